package echo

import (
	"reflect"
	"strings"
	"testing"
)

func TestParsePortList(t *testing.T) {
	tests := []struct {
		in      string
		want    [][2]int
		wantErr bool
	}{
		{"", nil, false},
		{"\n", nil, false},
		{"8080", [][2]int{{8080, 8080}}, false},
		{"8080,9000-9010\n", [][2]int{{8080, 8080}, {9000, 9010}}, false},
		{"0-65535", [][2]int{{0, 65535}}, false},
		{"1, 2", [][2]int{{1, 1}, {2, 2}}, false},
		{"x", nil, true},
		{"8080,", nil, true},
		{"9010-9000", nil, true},
		{"65536", nil, true},
		{"-1", nil, true},
		{"1-2-3", nil, true},
	}
	for _, tt := range tests {
		got, err := ParsePortList(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePortList(%q) = %v, %v; want %v, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

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
