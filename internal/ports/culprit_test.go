package ports

import (
	"strings"
	"testing"
)

// TestExplain checks, per pattern of states, which side closes first, the
// pattern's name and that the cure speaks of this host's settings.
func TestExplain(t *testing.T) {
	for _, tt := range []struct {
		name        string
		remote      string
		twReuse     int
		states      map[string]int
		closesFirst string
		pattern     string
		cure        []string
	}{
		{"client closes first, reuse off", "10.0.0.1:80", 0, map[string]int{"TIME_WAIT": 700, "ESTABLISHED": 4},
			"this host", "closes_first", []string{"pid 7 (curl) closes first toward 10.0.0.1:80", "tcp_tw_reuse is 0 (off)",
				"990 usable ports sustain 16 new connections/s", "The range is 50000-50999: 1000 ports, 10 of them reserved (50900-50909)"}},
		{"reuse 2 does not cover a remote host", "10.0.0.1:80", 2, map[string]int{"TIME_WAIT": 700},
			"this host", "closes_first", []string{"tcp_tw_reuse is 2 (loopback only), which does not cover 10.0.0.1:80"}},
		{"reuse 2 covers loopback", "127.0.0.1:80", 2, map[string]int{"TIME_WAIT": 700},
			"this host", "closes_first", []string{"tcp_tw_reuse is 2, which already lets connect() take a TIME_WAIT port"}},
		{"remote closed, process did not", "10.0.0.1:80", 0, map[string]int{"CLOSE_WAIT": 650, "ESTABLISHED": 3},
			"remote", "close_wait", []string{"10.0.0.1:80 closed first and pid 7 (curl) has not closed 650 sockets", "No sysctl helps"}},
		{"remote does not answer", "10.0.0.1:80", 0, map[string]int{"SYN_SENT": 620},
			"neither yet", "connecting", []string{"620 connections from pid 7 (curl) wait for 10.0.0.1:80"}},
		{"pool larger than the range", "10.0.0.1:80", 0, map[string]int{"ESTABLISHED": 700},
			"neither yet", "held_open", []string{"holds 700 connections open", "cap the pool"}},
		{"small pool", "10.0.0.1:80", 0, map[string]int{"ESTABLISHED": 20},
			"neither yet", "held_open", []string{"nothing to cure below 60%"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport("linux")
			setRange(r, 50000, 50999, [][2]int{{50900, 50909}})
			r.TCPTwReuse = &tt.twReuse
			used := sockets(tt.states)
			r.Destinations = []Destination{{Remote: tt.remote, PortsUsed: used, UsagePercent: float64(used) / 990 * 100,
				Level: Level(float64(used) / 990 * 100), States: tt.states, Owners: []Owner{{PID: 7, Command: "curl", Sockets: 3}}}}
			explain(r)
			d := r.Destinations[0]
			if d.ClosesFirst != tt.closesFirst || d.Pattern != tt.pattern {
				t.Errorf("closes first %q, pattern %q; want %q, %q", d.ClosesFirst, d.Pattern, tt.closesFirst, tt.pattern)
			}
			for _, s := range tt.cure {
				if !strings.Contains(d.Cure, s) {
					t.Errorf("cure does not say %q:\n%s", s, d.Cure)
				}
			}
		})
	}
}
