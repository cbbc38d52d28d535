//go:build darwin || freebsd

package ports

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

var statesUnsupported = "socket states, destinations and listeners: portlab reads them with Linux netlink sock_diag, which " +
	runtime.GOOS + " lacks; look by hand with `netstat -an -p tcp`"

func readHost(r *Report) ([][2]int, error) {
	first, err := unix.SysctlUint32("net.inet.ip.portrange.first")
	if err != nil {
		return nil, fmt.Errorf("ports: sysctl net.inet.ip.portrange.first: %w", err)
	}
	last, err := unix.SysctlUint32("net.inet.ip.portrange.last")
	if err != nil {
		return nil, fmt.Errorf("ports: sysctl net.inet.ip.portrange.last: %w", err)
	}
	// The kernel accepts first > last and then searches downward.
	lo, hi := int(min(first, last)), int(max(first, last))
	setRange(r, lo, hi, nil)
	return nil, nil
}
