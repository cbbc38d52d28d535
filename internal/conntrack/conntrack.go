package conntrack

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Table is a conntrack table at one instant.
type Table struct {
	// Entries counts the entries of every protocol; States counts the TCP
	// ones by state name ("ESTABLISHED", "TIME_WAIT", "SYN_SENT", ...),
	// states with none absent.
	Entries int
	States  map[string]int
	// Stats are the kernel's conntrack statistics by name, summed over
	// CPUs and cumulative since the namespace was made: "insert_failed",
	// "drop", "early_drop", "clashres", "invalid", ...
	Stats map[string]int64
}

// tcpStates are the kernel's TCP conntrack states (enum tcp_conntrack), by
// number, as netlink reports them.
var tcpStates = []string{"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"}

// StateName names TCP conntrack state s.
func StateName(s uint8) string {
	if int(s) < len(tcpStates) {
		return tcpStates[s]
	}
	return "STATE_" + strconv.Itoa(int(s))
}

// ParseStats reads /proc/net/stat/nf_conntrack: a header of names, then a
// row of hexadecimal counters per CPU. Counters are summed over the rows,
// except "entries", the table's size, which every row repeats.
func ParseStats(r io.Reader) (map[string]int64, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		return nil, fmt.Errorf("conntrack statistics: no header: %v", sc.Err())
	}
	names := strings.Fields(sc.Text())
	out := make(map[string]int64, len(names))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != len(names) {
			return nil, fmt.Errorf("conntrack statistics: a row of %d fields under %d names", len(f), len(names))
		}
		for i, v := range f {
			n, err := strconv.ParseInt(v, 16, 64)
			if err != nil {
				return nil, fmt.Errorf("conntrack statistics: %s: %w", names[i], err)
			}
			if names[i] == "entries" {
				out[names[i]] = n
			} else {
				out[names[i]] += n
			}
		}
	}
	return out, sc.Err()
}
