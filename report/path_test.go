package report

import (
	"testing"

	"github.com/portlab/portlab/internal/sockstate"
)

// TestTCPStatesAreTheKernels: the states a condition accepts are the names
// the socket table reader gives.
func TestTCPStatesAreTheKernels(t *testing.T) {
	states := tcpStates()
	for i, name := range states {
		if got := sockstate.StateName(uint8(i + 1)); got != name {
			t.Errorf("state %d: sockstate names it %q, conditions %q", i+1, got, name)
		}
	}
	if got := sockstate.StateName(uint8(len(states) + 1)); got != "STATE_14" {
		t.Errorf("state %d is %q: conditions do not know it", len(states)+1, got)
	}
}
