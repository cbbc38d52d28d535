package ports

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// sockstate supports Linux, so this is never reported; it keeps inspect
// platform-neutral.
const statesUnsupported = "socket states: netlink sock_diag unavailable"

const procIPv4 = "/proc/sys/net/ipv4/"

// readHost reads the namespace's sysctls; /proc/sys/net is per network
// namespace, like the sockets sockstate dumps.
func readHost(r *Report) ([][2]int, error) {
	lp, err := ReadLocalPorts()
	if err != nil {
		return nil, err
	}
	reserved := lp.Reserved
	setRange(r, lp.Lo, lp.Hi, reserved)
	r.TCPTwReuse = readInt(r, "tcp_tw_reuse")
	r.TCPFinTimeout = readInt(r, "tcp_fin_timeout")
	return reserved, nil
}

// readInt reads an integer sysctl, noting in r.Unsupported why it could not.
func readInt(r *Report, name string) *int {
	b, err := os.ReadFile(procIPv4 + name)
	if err == nil {
		var n int
		if n, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return &n
		}
	}
	r.Unsupported = append(r.Unsupported, fmt.Sprintf("%s: %v", name, err))
	return nil
}
