package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// CheckAddr checks a HOST:PORT address before any socket is made, so that
// a port out of range or a host that cannot be an address is the user's to
// fix, not a failure of the run. The host is empty (every local address),
// an IP address or a host name (validHost's rules); the port is a decimal
// number from minPort to 65535 (0 lets a listener pick a free port; a
// destination needs 1) or a service name known for network ("tcp" or
// "udp"). It returns the port's number.
func CheckAddr(addr, network string, minPort int) (int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("%q is not HOST:PORT: %v", addr, err)
	}
	if err := validHost(host); err != nil {
		return 0, fmt.Errorf("%q: %v", addr, err)
	}
	if port == "" {
		return 0, fmt.Errorf("%q has no port", addr)
	}
	// Signs and digits alone are a number, which Go's resolver would
	// read with its sign ("+80"): a port is digits only.
	if strings.Trim(port, "+-0123456789") == "" {
		n, err := strconv.Atoi(port)
		if err != nil || port[0] == '+' || port[0] == '-' || n < minPort || n > 65535 {
			return 0, fmt.Errorf("%q: port must be from %d to 65535, got %s", addr, minPort, port)
		}
		return n, nil
	}
	// A service name, as in /etc/services: looked up locally.
	n, err := net.LookupPort(network, port)
	if err != nil || n < minPort {
		return 0, fmt.Errorf("%q: port %q is neither a number from %d to 65535 nor a known %s service", addr, port, minPort, network)
	}
	return n, nil
}
