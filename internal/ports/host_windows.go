package ports

import (
	"fmt"
	"os/exec"
	"strings"
)

const statesUnsupported = "socket states, destinations and listeners: portlab reads them with Linux netlink sock_diag; " +
	"on Windows look by hand with `netstat -ano -p tcp`"

// readHost asks netsh for the IPv4 TCP dynamic port range; IPv6 has its own
// (`netsh int ipv6 show dynamicport tcp`), normally the same.
func readHost(r *Report) ([][2]int, error) {
	out, err := netsh("int", "ipv4", "show", "dynamicport", "tcp")
	if err != nil {
		return nil, err
	}
	lo, hi, err := parseNetshDynamicPort(out)
	if err != nil {
		return nil, fmt.Errorf("ports: %w", err)
	}
	out, err = netsh("int", "ipv4", "show", "excludedportrange", "protocol=tcp")
	var reserved [][2]int
	if err == nil {
		reserved, err = parseNetshExcluded(out)
	}
	if err != nil {
		r.Unsupported = append(r.Unsupported, fmt.Sprintf("reserved ports (excluded port ranges): %v", err))
		reserved = nil
	}
	setRange(r, lo, hi, reserved)
	return reserved, nil
}

func netsh(args ...string) (string, error) {
	// netsh reports its own errors on stdout.
	out, err := exec.Command("netsh", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ports: netsh %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
