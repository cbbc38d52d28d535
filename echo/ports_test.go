package echo

import (
	"strings"
	"testing"
)

func TestEphemeralWarningText(t *testing.T) {
	rng := [2]int{32768, 60999}
	tests := []struct {
		port     int
		reserved string
		want     string // substring; "" means no warning
	}{
		{7777, "", ""},
		{0, "", ""},
		{32767, "", ""},
		{61000, "", ""},
		{32768, "", "sysctl -w net.ipv4.ip_local_reserved_ports=32768,"},
		{40000, "\n", "sysctl -w net.ipv4.ip_local_reserved_ports=40000,"},
		{40000, "40000\n", ""},
		{40000, "8080,39000-41000", ""},
		// Writing the sysctl replaces the list: keep what was there.
		{40000, "8080,9000-9010\n", "ip_local_reserved_ports=8080,9000-9010,40000,"},
		{60999, "", "outside 32768-60999"},
	}
	for _, tt := range tests {
		got := ephemeralWarning(tt.port, rng, tt.reserved)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("ephemeralWarning(%d, %v, %q) = %q, want it to contain %q", tt.port, rng, tt.reserved, got, tt.want)
		}
	}
}
