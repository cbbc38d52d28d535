package loadgen

import (
	"fmt"
	"net"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// dialControl returns the Dialer.Control that applies c's socket options
// before connect(), or nil when there are none (so the common dial path
// pays nothing for them). Every setsockopt error fails the dial.
func dialControl(c *Config) func(network, address string, rc syscall.RawConn) error {
	if !c.ReuseAddr && !c.BindNoPort && c.Linger < 0 {
		return nil
	}
	reuse, noPort, linger := c.ReuseAddr, c.BindNoPort, c.Linger
	return func(network, address string, rc syscall.RawConn) error {
		var opErr error
		err := rc.Control(func(fd uintptr) {
			opErr = setsockopts(int(fd), network, reuse, noPort, linger)
		})
		if err != nil {
			return err
		}
		return opErr
	}
}

func setsockopts(fd int, network string, reuse, noPort bool, linger int) error {
	if reuse {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
		}
	}
	// IP_BIND_ADDRESS_NO_PORT (Linux 4.2+) lets bind() to a source address
	// defer the port choice to connect(), which knows the destination and
	// so can share a port across 4-tuples.
	if noPort && network != "tcp6" {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); err != nil {
			return fmt.Errorf("setsockopt IP_BIND_ADDRESS_NO_PORT: %w", err)
		}
	}
	// SO_LINGER is TCP's alone; set before connect() it holds for the
	// connection's close as well.
	if linger >= 0 && strings.HasPrefix(network, "tcp") {
		l := unix.Linger{Onoff: 1, Linger: int32(linger)}
		if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &l); err != nil {
			return fmt.Errorf("setsockopt SO_LINGER: %w", err)
		}
	}
	return nil
}

// afterDial applies the options that cannot be set before connect(): on
// Linux, none.
func afterDial(*net.TCPConn, *Config) error { return nil }
