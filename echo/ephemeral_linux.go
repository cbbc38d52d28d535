package echo

import (
	"github.com/portlab/portlab/internal/ports"
)

// PortInEphemeralRange reports whether port lies in this host's ephemeral
// port range (net.ipv4.ip_local_port_range) without being reserved by
// net.ipv4.ip_local_reserved_ports, and returns the range. ok is false when
// the settings cannot be read, and on platforms other than Linux.
func PortInEphemeralRange(port int) (in bool, rng [2]int, ok bool) {
	rng, reserved, err := ephemeralSettings()
	if err != nil {
		return false, [2]int{}, false
	}
	return ephemeralWarning(port, rng, reserved) != "", rng, true
}

// EphemeralWarning returns "" when port is a safe listening port, and
// otherwise a two-line warning naming the ephemeral range and the fix:
// while the port is in the range and not reserved, outgoing connections
// (such as the load generator's) can take it. It returns "" when the
// settings cannot be read, and on platforms other than Linux.
func EphemeralWarning(port int) string {
	rng, reserved, err := ephemeralSettings()
	if err != nil {
		return ""
	}
	return ephemeralWarning(port, rng, reserved)
}

func ephemeralSettings() (rng [2]int, reserved string, err error) {
	lp, err := ports.ReadLocalPorts()
	return [2]int{lp.Lo, lp.Hi}, lp.ReservedRaw, err
}
