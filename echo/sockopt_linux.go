package echo

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// control returns the ListenConfig.Control hook for cfg, or nil.
func control(cfg Config) func(network, address string, c syscall.RawConn) error {
	if !cfg.ReusePort {
		return nil
	}
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return os.NewSyscallError("setsockopt SO_REUSEPORT", serr)
	}
}

// setBacklog changes the backlog of a listening socket. net.Listen always
// uses somaxconn, but Linux accepts a second listen(2) on a listening
// socket and only updates its backlog.
func setBacklog(ln *net.TCPListener, backlog int) error {
	rc, err := ln.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		lerr = unix.Listen(int(fd), backlog)
	}); err != nil {
		return err
	}
	return os.NewSyscallError("listen", lerr)
}
