package ports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseReserved parses the Linux net.ipv4.ip_local_reserved_ports format,
// comma-separated ports and inclusive ranges such as "8080,9000-9010", into
// [lo, hi] pairs. An empty (or all-blank) string yields no ranges.
func ParseReserved(s string) ([][2]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out [][2]int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		loS, hiS, isRange := strings.Cut(f, "-")
		lo, err := parsePort(loS)
		if err != nil {
			return nil, fmt.Errorf("reserved ports %q: entry %q: %w", s, f, err)
		}
		hi := lo
		if isRange {
			if hi, err = parsePort(hiS); err != nil {
				return nil, fmt.Errorf("reserved ports %q: entry %q: %w", s, f, err)
			}
			if hi < lo {
				return nil, fmt.Errorf("reserved ports %q: entry %q: range ends before it starts", s, f)
			}
		}
		out = append(out, [2]int{lo, hi})
	}
	return out, nil
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("%q is not a port number (0-65535)", s)
	}
	return p, nil
}

// parsePortRange parses Linux ip_local_port_range, "32768\t60999\n".
func parsePortRange(s string) (lo, hi int, err error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("port range %q: want two numbers", s)
	}
	if lo, err = parsePort(f[0]); err == nil {
		hi, err = parsePort(f[1])
	}
	if err == nil && hi < lo {
		err = fmt.Errorf("ends before it starts")
	}
	if err != nil {
		return 0, 0, fmt.Errorf("port range %q: %w", s, err)
	}
	return lo, hi, nil
}

// formatRanges renders ranges the way ip_local_reserved_ports does.
func formatRanges(rs [][2]int) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if r[0] == r[1] {
			out = append(out, strconv.Itoa(r[0]))
		} else {
			out = append(out, fmt.Sprintf("%d-%d", r[0], r[1]))
		}
	}
	return out
}

// ReservedInRange counts the distinct reserved ports inside [lo, hi];
// entries may overlap.
func ReservedInRange(lo, hi int, reserved [][2]int) int {
	var clipped [][2]int
	for _, r := range reserved {
		a, b := max(r[0], lo), min(r[1], hi)
		if a <= b {
			clipped = append(clipped, [2]int{a, b})
		}
	}
	slices.SortFunc(clipped, func(x, y [2]int) int { return x[0] - y[0] })
	n, end := 0, lo-1
	for _, r := range clipped {
		a := max(r[0], end+1)
		if a <= r[1] {
			n += r[1] - a + 1
			end = r[1]
		}
	}
	return n
}

// InRanges reports whether port p lies in one of the inclusive [lo, hi]
// ranges, as ParseReserved returns them.
func InRanges(p int, reserved [][2]int) bool {
	for _, r := range reserved {
		if p >= r[0] && p <= r[1] {
			return true
		}
	}
	return false
}

// parseNetshDynamicPort parses `netsh int ipv4 show dynamicport tcp`:
//
//	Protocol tcp Dynamic Port Range
//	---------------------------------
//	Start Port      : 49152
//	Number of Ports : 16384
//
// netsh translates its labels, so when the English ones are missing the
// first two "label : number" lines are taken as start and count, the order
// netsh prints them in every language.
func parseNetshDynamicPort(out string) (lo, hi int, err error) {
	start, count := -1, -1
	var numbers []int
	for _, line := range strings.Split(out, "\n") {
		label, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			continue
		}
		numbers = append(numbers, n)
		switch l := strings.ToLower(strings.TrimSpace(label)); {
		case strings.HasPrefix(l, "start port"):
			start = n
		case strings.HasPrefix(l, "number of ports"):
			count = n
		}
	}
	if (start < 0 || count < 0) && len(numbers) >= 2 {
		start, count = numbers[0], numbers[1]
	}
	switch {
	case start < 0 || count < 0:
		return 0, 0, fmt.Errorf("netsh dynamicport output has no start port and number of ports: %q", out)
	case start < 1 || count < 1 || start+count-1 > 65535:
		return 0, 0, fmt.Errorf("netsh dynamicport: start port %d with %d ports is not a valid range", start, count)
	}
	return start, start + count - 1, nil
}

// parseNetshExcluded parses `netsh int ipv4 show excludedportrange
// protocol=tcp`, Windows' counterpart of ip_local_reserved_ports:
//
//	Start Port    End Port
//	----------    --------
//	      1433        1433
//	     50000       50059     *
//
// Every line that starts with two port numbers is a range; "*" marks
// administered exclusions.
func parseNetshExcluded(out string) ([][2]int, error) {
	var rs [][2]int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 3 || (len(f) == 3 && f[2] != "*") {
			continue
		}
		lo, err1 := strconv.Atoi(f[0])
		hi, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			continue
		}
		if lo < 0 || hi > 65535 || hi < lo {
			return nil, fmt.Errorf("netsh excludedportrange: %d-%d is not a valid range", lo, hi)
		}
		rs = append(rs, [2]int{lo, hi})
	}
	return rs, nil
}
