package echo

import (
	"fmt"
	"strconv"
	"strings"
)

// ParsePortList parses a port list in the format of
// net.ipv4.ip_local_reserved_ports: comma-separated ports and inclusive
// ranges such as "8080,9000-9010". Each element of the result is a
// [low, high] pair; a single port has low == high. An empty list is valid.
func ParsePortList(s string) ([][2]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out [][2]int
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		if !isRange {
			hi = lo
		}
		l, errl := parsePort(lo)
		h, errh := parsePort(hi)
		if errl != nil || errh != nil || l > h {
			return nil, fmt.Errorf("port list %q: %q is not a port or a low-high range of ports", s, item)
		}
		out = append(out, [2]int{l, h})
	}
	return out, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err == nil && (p < 0 || p > 65535) {
		err = fmt.Errorf("port %d out of range", p)
	}
	return p, err
}

// inRanges reports whether port lies in one of the inclusive ranges.
func inRanges(port int, ranges [][2]int) bool {
	for _, r := range ranges {
		if r[0] <= port && port <= r[1] {
			return true
		}
	}
	return false
}

// ephemeralWarning is EphemeralWarning for a given port range and raw
// ip_local_reserved_ports value.
func ephemeralWarning(port int, rng [2]int, reserved string) string {
	if port <= 0 || !inRanges(port, [][2]int{rng}) {
		return ""
	}
	list, err := ParsePortList(reserved)
	if err == nil && inRanges(port, list) {
		return ""
	}
	// Writing the sysctl replaces the list, so keep what is reserved.
	fix := strconv.Itoa(port)
	if r := strings.TrimSpace(reserved); r != "" {
		fix = r + "," + fix
	}
	return fmt.Sprintf("warning: port %d is inside the ephemeral port range %d-%d (net.ipv4.ip_local_port_range): "+
		"outgoing connections can hold it, so binding it can fail with \"address already in use\".\n"+
		"fix: sysctl -w net.ipv4.ip_local_reserved_ports=%s, or choose a port outside %d-%d",
		port, rng[0], rng[1], fix, rng[0], rng[1])
}
