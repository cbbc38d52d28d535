package scenarios

import (
	"slices"
	"testing"
)

// TestKeys: each section lists the keys a file may give it, those only a
// scenario has among them.
func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		section string
		has     []string
		lacks   []string
	}{
		{"load", []string{"duration", "concurrency", "pool_size", "destinations"}, []string{"close", "tcp_tw_reuse"}},
		{"server", []string{"close", "listen", "linger"}, []string{"duration"}},
		{"sandbox", []string{"tcp_tw_reuse", "ip_local_port_range"}, []string{"net.ipv4.tcp_tw_reuse"}},
		{"client", nil, []string{"duration"}},
	} {
		keys := Keys(tc.section)
		for _, k := range tc.has {
			if !slices.Contains(keys, k) {
				t.Errorf("Keys(%q) lacks %q: %q", tc.section, k, keys)
			}
		}
		for _, k := range tc.lacks {
			if slices.Contains(keys, k) {
				t.Errorf("Keys(%q) has %q", tc.section, k)
			}
		}
		if !slices.IsSorted(keys) {
			t.Errorf("Keys(%q) is not sorted: %q", tc.section, keys)
		}
	}
}
