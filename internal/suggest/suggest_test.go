package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"concurrency", "connect-timeout", "linger-rst", "linger-zero", "tw-reuse", "EADDRNOTAVAIL"}
	for _, tc := range []struct{ key, want string }{
		{"concurency", "concurrency"},
		{"eaddrnotavail", "EADDRNOTAVAIL"},
		{"tw_reuse", "tw-reuse"},
		{"connect", "connect-timeout"}, // the only name it starts
		{"linger", ""},                 // two names start with it
		{"frobnicate", ""},
		{"co", ""}, // too short to be a prefix
	} {
		if got := Closest(tc.key, names); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}
