package report

import (
	"slices"
	"strings"
	"testing"
)

func TestWrapKeepsQuotesWhole(t *testing.T) {
	got := Wrap(`while [ "$(ss -Htan state time-wait | wc -l)" -gt 0 ]; do sleep 5; done`, 20)
	want := []string{`while [`, `"$(ss -Htan state time-wait | wc -l)"`, `-gt 0 ]; do sleep 5;`, `done`}
	if !slices.Equal(got, want) {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want string
	}{
		{"short\n", 10, "short\n"},
		{"  one two three four\nok\n", 12, "  one two\n    three\n    four\nok\n"},
		{"no newline at the end", 10, "no newline\n  at the\n  end"},
		{"  µs µs µs µs", 11, "  µs µs µs\n    µs"}, // runes, not bytes
		{"whole", 0, "whole"},
		{"  pool      no errors here", 16, "  pool      no\n    errors here"},  // alignment kept
		{"Go's http.Transport's pool", 18, "Go's\n  http.Transport's\n  pool"}, // apostrophes quote nothing
	} {
		if got := Fit(tc.in, tc.w); got != tc.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
		for _, l := range strings.Split(Fit(tc.in, tc.w), "\n") {
			if tc.w > 0 && len([]rune(l)) > tc.w {
				t.Errorf("Fit(%q, %d): line %q is wider", tc.in, tc.w, l)
			}
		}
	}
}
