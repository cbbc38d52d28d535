package loadgen

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// dialControl returns the Dialer.Control that applies c's pre-connect
// socket options, or nil when there are none (so the common dial path pays
// nothing for them).
func dialControl(c *Config) func(network, address string, rc syscall.RawConn) error {
	if !c.ReuseAddr && !c.BindNoPort {
		return nil
	}
	reuse, noPort := c.ReuseAddr, c.BindNoPort
	return func(network, address string, rc syscall.RawConn) error {
		var opErr error
		err := rc.Control(func(fd uintptr) {
			if reuse {
				if opErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); opErr != nil {
					opErr = fmt.Errorf("setsockopt SO_REUSEADDR: %w", opErr)
					return
				}
			}
			// IP_BIND_ADDRESS_NO_PORT (Linux 4.2+) lets bind() to a source
			// address defer the port choice to connect(), which knows the
			// destination and so can share a port across 4-tuples.
			if noPort && network != "tcp6" {
				if opErr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1); opErr != nil {
					opErr = fmt.Errorf("setsockopt IP_BIND_ADDRESS_NO_PORT: %w", opErr)
				}
			}
		})
		if err != nil {
			return err
		}
		return opErr
	}
}
