//go:build !linux

package echo

// PortInEphemeralRange reports whether port lies in this host's ephemeral
// port range without being reserved, and returns the range. Outside Linux
// the settings are not read, so ok is always false.
func PortInEphemeralRange(port int) (in bool, rng [2]int, ok bool) {
	return false, [2]int{}, false
}

// EphemeralWarning returns a warning when port lies in this host's
// ephemeral port range. Outside Linux it always returns "".
func EphemeralWarning(port int) string { return "" }
