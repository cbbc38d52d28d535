package ports

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseReserved reads ip_local_reserved_ports as the kernel prints it:
// comma-separated ports and inclusive ranges, or an empty line.
func TestParseReserved(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    [][2]int
		wantErr string
	}{
		{in: "", want: nil},
		{in: "\n", want: nil},
		{in: "8080\n", want: [][2]int{{8080, 8080}}},
		{in: "8080,9000-9010", want: [][2]int{{8080, 8080}, {9000, 9010}}},
		{in: " 1433 , 50000-50059 ", want: [][2]int{{1433, 1433}, {50000, 50059}}},
		{in: "0,65535", want: [][2]int{{0, 0}, {65535, 65535}}},
		{in: "abc", wantErr: `entry "abc"`},
		{in: "8080,,9000", wantErr: `entry ""`},
		{in: "9010-9000", wantErr: "ends before it starts"},
		{in: "70000", wantErr: "not a port number"},
		{in: "9000-", wantErr: `entry "9000-"`},
	} {
		got, err := ParseReserved(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseReserved(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseReserved(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestReservedInRange(t *testing.T) {
	for _, tt := range []struct {
		lo, hi   int
		reserved [][2]int
		want     int
	}{
		{32768, 60999, nil, 0},
		{32768, 60999, [][2]int{{8080, 8080}}, 0},
		{32768, 60999, [][2]int{{40000, 40000}, {50000, 50009}}, 11},
		{32768, 60999, [][2]int{{30000, 32770}, {60990, 65535}}, 3 + 10},
		{1000, 1999, [][2]int{{1100, 1199}, {1150, 1249}, {1100, 1100}}, 150},
		{1000, 1999, [][2]int{{0, 65535}}, 1000},
	} {
		if got := ReservedInRange(tt.lo, tt.hi, tt.reserved); got != tt.want {
			t.Errorf("ReservedInRange(%d, %d, %v) = %d, want %d", tt.lo, tt.hi, tt.reserved, got, tt.want)
		}
	}
}

func TestParsePortRange(t *testing.T) {
	for _, tt := range []struct {
		in     string
		lo, hi int
		ok     bool
	}{
		{"32768\t60999\n", 32768, 60999, true},
		{"1000 1999", 1000, 1999, true},
		{"32768", 0, 0, false},
		{"60999 32768", 0, 0, false},
		{"a b", 0, 0, false},
	} {
		lo, hi, err := parsePortRange(tt.in)
		if (err == nil) != tt.ok || lo != tt.lo || hi != tt.hi {
			t.Errorf("parsePortRange(%q) = %d, %d, %v; want %d, %d, ok=%v", tt.in, lo, hi, err, tt.lo, tt.hi, tt.ok)
		}
	}
}

func TestParseNetshDynamicPort(t *testing.T) {
	for _, tt := range []struct {
		name   string
		out    string
		lo, hi int
		ok     bool
	}{
		{"english", "\r\nProtocol tcp Dynamic Port Range\r\n---------------------------------\r\nStart Port      : 49152\r\nNumber of Ports : 16384\r\n\r\n", 49152, 65535, true},
		{"xp range", "Protocol tcp Dynamic Port Range\n---------------------------------\nStart Port      : 1025\nNumber of Ports : 3976\n", 1025, 5000, true},
		{"german", "\r\nProtokoll tcp Dynamischer Portbereich\r\n---------------------------------\r\nStartport       : 10000\r\nAnzahl der Ports : 1000\r\n", 10000, 10999, true},
		{"empty", "", 0, 0, false},
		{"error text", "The following command was not found: int ipv4 show dynamicport tcp.\r\n", 0, 0, false},
		{"past 65535", "Start Port : 60000\nNumber of Ports : 16384\n", 0, 0, false},
		{"no ports", "Start Port : 49152\nNumber of Ports : 0\n", 0, 0, false},
	} {
		lo, hi, err := parseNetshDynamicPort(tt.out)
		if (err == nil) != tt.ok || lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: parseNetshDynamicPort = %d, %d, %v; want %d, %d, ok=%v", tt.name, lo, hi, err, tt.lo, tt.hi, tt.ok)
		}
	}
}

func TestParseNetshExcluded(t *testing.T) {
	const sample = "\r\nProtocol tcp Port Exclusion Ranges\r\n\r\n" +
		"Start Port    End Port\r\n" +
		"----------    --------\r\n" +
		"      1433        1433\r\n" +
		"     50000       50059     *\r\n" +
		"\r\n* - Administered port exclusions.\r\n\r\n"
	for _, tt := range []struct {
		name string
		out  string
		want [][2]int
		ok   bool
	}{
		{"sample", sample, [][2]int{{1433, 1433}, {50000, 50059}}, true},
		{"none", "\r\nProtocol tcp Port Exclusion Ranges\r\n\r\nStart Port    End Port\r\n----------    --------\r\n\r\n", nil, true},
		{"backwards", "  50059  50000\n", nil, false},
	} {
		got, err := parseNetshExcluded(tt.out)
		if (err == nil) != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: parseNetshExcluded = %v, %v; want %v, ok=%v", tt.name, got, err, tt.want, tt.ok)
		}
	}
}
