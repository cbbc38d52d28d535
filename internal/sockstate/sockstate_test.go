package sockstate

import (
	"net/netip"
	"reflect"
	"testing"
)

// TestStateName names the kernel's TCP states (include/net/tcp_states.h)
// as the kernel does, and an unknown number as STATE_n rather than failing.
func TestStateName(t *testing.T) {
	for _, tt := range []struct {
		s    uint8
		want string
	}{
		{1, "ESTABLISHED"}, {2, "SYN_SENT"}, {3, "SYN_RECV"}, {4, "FIN_WAIT1"},
		{5, "FIN_WAIT2"}, {6, "TIME_WAIT"}, {7, "CLOSE"}, {8, "CLOSE_WAIT"},
		{9, "LAST_ACK"}, {10, "LISTEN"}, {11, "CLOSING"}, {12, "NEW_SYN_RECV"},
		{0, "STATE_0"}, {200, "STATE_200"},
	} {
		if got := StateName(tt.s); got != tt.want {
			t.Errorf("StateName(%d) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestBuild(t *testing.T) {
	ap := netip.MustParseAddrPort
	srv := ap("10.0.0.1:80")
	entries := []entry{
		{stateListen, ap("[::]:8080"), ap("[::]:0"), 101},
		{stateListen, ap("[::ffff:127.0.0.1]:22"), ap("0.0.0.0:0"), 102},
		{stateEstablished, ap("10.0.0.2:40000"), srv, 30},
		{stateTimeWait, ap("10.0.0.2:40001"), srv, 0},
		// Same local port from a second source IP: still one port toward srv.
		{stateEstablished, ap("10.0.0.3:40000"), srv, 20},
		// A dual-stack socket toward the same peer is the same destination.
		{stateTimeWait, ap("[::ffff:10.0.0.2]:40002"), ap("[::ffff:10.0.0.1]:80"), 0},
		{stateEstablished, ap("10.0.0.2:50000"), ap("10.0.0.9:443"), 50},
		{stateEstablished, ap("10.0.0.2:50001"), ap("10.0.0.8:443"), 51},
	}
	got := build(entries)
	want := &Sample{
		States: map[string]int{"LISTEN": 2, "ESTABLISHED": 4, "TIME_WAIT": 2},
		Destinations: []Destination{
			{Remote: srv, Ports: 3, LocalPorts: []uint16{40000, 40001, 40002},
				States: map[string]int{"ESTABLISHED": 2, "TIME_WAIT": 2}, Inodes: []uint32{20, 30}},
			{Remote: ap("10.0.0.8:443"), Ports: 1, LocalPorts: []uint16{50001},
				States: map[string]int{"ESTABLISHED": 1}, Inodes: []uint32{51}},
			{Remote: ap("10.0.0.9:443"), Ports: 1, LocalPorts: []uint16{50000},
				States: map[string]int{"ESTABLISHED": 1}, Inodes: []uint32{50}},
		},
		Listeners: []netip.AddrPort{ap("127.0.0.1:22"), ap("[::]:8080")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("build:\n got %+v\nwant %+v", got, want)
	}
}
