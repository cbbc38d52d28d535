package topology_test

import (
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
