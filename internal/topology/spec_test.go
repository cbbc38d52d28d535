package topology_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/topology"
)

// TestSpecValidate: a bad netem setting is refused before any namespace is
// made, with every wrong field named.
func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		netem *topology.Netem
		want  []string // substrings of the error; none for nil
	}{
		{"no netem", nil, nil},
		{"delay", &topology.Netem{Delay: 50 * time.Millisecond}, nil},
		{"loss", &topology.Netem{LossPercent: 100}, nil},
		{"empty netem", &topology.Netem{}, []string{"netem: set a delay or a loss"}},
		{"negative delay", &topology.Netem{Delay: -time.Millisecond}, []string{"netem.delay: must be 0..1m0s, got -1ms"}},
		{"huge delay", &topology.Netem{Delay: time.Hour}, []string{"netem.delay"}},
		{"loss over 100", &topology.Netem{LossPercent: 101}, []string{"netem.loss_percent: must be 0..100, got 101"}},
		{"loss NaN", &topology.Netem{LossPercent: math.NaN()}, []string{"netem.loss_percent"}},
		{"both wrong", &topology.Netem{Delay: -1, LossPercent: -1}, []string{"netem.delay", "netem.loss_percent"}},
	} {
		err := topology.Spec{Netem: tc.netem}.Validate()
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tc.desc, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Validate() = nil, want an error with %q", tc.desc, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: Validate() = %q, want it to contain %q", tc.desc, err, w)
			}
		}
	}
}

// TestPortRangeText: a port range reads and writes "LO-HI", the form a
// scenario gives it, and a gateway goes to its sandbox child and back
// whole; anything else is refused with the form it wants.
func TestPortRangeText(t *testing.T) {
	for _, tc := range []struct {
		text string
		want topology.PortRange
		err  bool
	}{
		{"50000-50099", topology.PortRange{Min: 50000, Max: 50099}, false},
		{" 1024 - 2047 ", topology.PortRange{Min: 1024, Max: 2047}, false},
		{"600-500", topology.PortRange{Min: 600, Max: 500}, false}, // Validate's to refuse
		{"50000", topology.PortRange{}, true},
		{"+1024-2000", topology.PortRange{}, true},
		{"1024-", topology.PortRange{}, true},
		{"123456-1", topology.PortRange{}, true},
		{"a-b", topology.PortRange{}, true},
		{"", topology.PortRange{}, true},
	} {
		var got topology.PortRange
		err := got.UnmarshalText([]byte(tc.text))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%q: got %v, %v; want %v, error %v", tc.text, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), "want LO-HI, such as 50000-50099") {
			t.Errorf("%q: error %q does not say the form", tc.text, err)
		}
	}
	g := topology.Gateway{Clients: 2, SNATAddresses: 3, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}, Spread: topology.SpreadHash}
	b, err := json.Marshal(g)
	if err != nil || !strings.Contains(string(b), `"snat_ports":"50000-50099"`) {
		t.Fatalf("json.Marshal = %s, %v; want snat_ports as LO-HI", b, err)
	}
	var back topology.Gateway
	if err := json.Unmarshal(b, &back); err != nil || back != g {
		t.Errorf("json round trip: %+v, %v; want %+v", back, err, g)
	}
	if g.Ports() != 100 || g.SNATPorts.String() != "50000-50099" {
		t.Errorf("Ports() = %d, String() = %q; want 100 and 50000-50099", g.Ports(), g.SNATPorts)
	}
}
