package echo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/portlab/portlab/internal/ports"
)

// ephemeralWarning is EphemeralWarning for a given port range and raw
// ip_local_reserved_ports value.
func ephemeralWarning(port int, rng [2]int, reserved string) string {
	if port <= 0 || !ports.InRanges(port, [][2]int{rng}) {
		return ""
	}
	list, err := ports.ParseReserved(reserved)
	if err == nil && ports.InRanges(port, list) {
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
