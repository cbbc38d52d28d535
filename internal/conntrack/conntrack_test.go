package conntrack

import (
	"strconv"
	"strings"
	"testing"

	"github.com/portlab/portlab/report"
)

// TestParseStats: counters add up over the CPUs' rows, in hexadecimal;
// entries, the table's size, is every row's.
func TestParseStats(t *testing.T) {
	const in = `entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
00000064  00000000 00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000032 00000032 00000000 00000000  00000000 00000000 00000000 00000000
00000064  00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000032 00000032 00000001 00000000  00000000 00000000 00000000 00000000
`
	got, err := ParseStats(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"entries": 100, "found": 17, "insert_failed": 100, "drop": 100, "early_drop": 1, "clashres": 0} {
		if got[name] != want {
			t.Errorf("%s = %d, want %d", name, got[name], want)
		}
	}
	for _, bad := range []string{"", "entries drop\n1\n", "entries\nzz\n"} {
		if _, err := ParseStats(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseStats(%q) succeeded, want an error", bad)
		}
	}
}

func TestStateName(t *testing.T) {
	for s, want := range map[uint8]string{3: "ESTABLISHED", 7: "TIME_WAIT", 8: "CLOSE", 42: "STATE_42"} {
		if got := StateName(s); got != want {
			t.Errorf("StateName(%d) = %q, want %q", s, got, want)
		}
	}
}

// TestStateNamesAreTheResults: the names StateName gives are those a result
// file may carry (report.ConntrackTCPStates, "STATE_N" beyond them), so a
// sampled result always reads back.
func TestStateNamesAreTheResults(t *testing.T) {
	for s := range 256 {
		want := "STATE_" + strconv.Itoa(s)
		if s < len(report.ConntrackTCPStates) {
			want = report.ConntrackTCPStates[s]
		}
		if got := StateName(uint8(s)); got != want {
			t.Errorf("StateName(%d) = %q, report names it %q", s, got, want)
		}
	}
}
