package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/portlab/portlab/internal/ports"
)

// sandboxSysctls are the sysctl names a scenario may set, short (under
// net.ipv4) as they appear in files: all of them are per network
// namespace. Each has the check of its value, so that a value the kernel
// refuses (or silently cuts short: it reads "1\n2" as 1) is the file's
// error, not a failed run. A check returns the value as written to
// /proc/sys.
var sandboxSysctls = map[string]func(string) (string, error){
	"ip_local_port_range":     portRange,
	"ip_local_reserved_ports": reservedPorts,
	"tcp_tw_reuse":            intIn(0, 2, "0 off, 1 on, 2 loopback only"),
	// TCP_PAWS_MSL (60 s) is the kernel's bound.
	"tcp_tw_reuse_delay": intIn(1, 60000, "milliseconds"),
	// Seconds the kernel keeps as jiffies in an int: INT_MAX/HZ for any
	// HZ up to 1000.
	"tcp_fin_timeout":     intIn(0, math.MaxInt32/1000, "seconds"),
	"tcp_max_tw_buckets":  intIn(0, math.MaxInt32, "sockets"),
	"tcp_timestamps":      intIn(0, 2, "0 off, 1 on, 2 on without random offsets"),
	"tcp_max_syn_backlog": intIn(0, math.MaxInt32, "connections"),
	"tcp_syncookies":      intIn(0, 2, "0 off, 1 when the queue overflows, 2 always"),
}

// intIn checks a sysctl of one integer from lo to hi.
func intIn(lo, hi int, unit string) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return "", fmt.Errorf("want one integer from %d to %d (%s), got %q", lo, hi, unit, v)
		}
		return strconv.Itoa(n), nil
	}
}

// portRange checks ip_local_port_range: the kernel refuses LO below
// ip_unprivileged_port_start (1024 in a new namespace) and LO > HI.
func portRange(v string) (string, error) {
	f := strings.Fields(v)
	lo, err1 := strconv.Atoi(first(f, 0))
	hi, err2 := strconv.Atoi(first(f, 1))
	if len(f) != 2 || err1 != nil || err2 != nil || lo < 1024 || hi > 65535 || lo > hi {
		return "", fmt.Errorf("want \"LO HI\" with 1024 <= LO <= HI <= 65535, got %q", v)
	}
	return fmt.Sprintf("%d %d", lo, hi), nil
}

// reservedPorts checks ip_local_reserved_ports ("8080,9000-9010") and
// writes it without the blanks the kernel refuses.
func reservedPorts(v string) (string, error) {
	rs, err := ports.ParseReserved(v)
	if err != nil {
		return "", fmt.Errorf("want ports and ranges such as \"8080,9000-9010\": %v", err)
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = strconv.Itoa(r[0])
		if r[1] != r[0] {
			out[i] += "-" + strconv.Itoa(r[1])
		}
	}
	return strings.Join(out, ","), nil
}

func first(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}
