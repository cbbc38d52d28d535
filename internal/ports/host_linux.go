package ports

import "github.com/portlab/portlab/internal/sysctl"

// sockstate supports Linux, so this is never reported; it keeps inspect
// platform-neutral.
const statesUnsupported = "socket states: netlink sock_diag unavailable"

// readHost reads the namespace's sysctls; /proc/sys/net is per network
// namespace, like the sockets sockstate dumps.
func readHost(r *Report) ([][2]int, error) {
	lp, err := ReadLocalPorts()
	if err != nil {
		return nil, err
	}
	reserved := lp.Reserved
	setRange(r, lp.Lo, lp.Hi, reserved)
	r.TCPTwReuse = readInt(r, "net.ipv4.tcp_tw_reuse")
	r.TCPFinTimeout = readInt(r, "net.ipv4.tcp_fin_timeout")
	return reserved, nil
}

// readInt reads an integer sysctl, noting in r.Unsupported why it could not.
func readInt(r *Report, name string) *int {
	n, err := sysctl.ReadInt(name)
	if err != nil {
		r.Unsupported = append(r.Unsupported, err.Error())
		return nil
	}
	return &n
}
