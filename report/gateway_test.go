package report

import (
	"bytes"
	"strings"
	"testing"
)

// natResult is a hand-made result of a run behind a NAT gateway with 100
// SNAT ports: 100 flows connected, the other workers' connects timed out.
func natResult(t *testing.T) *Result {
	t.Helper()
	r, err := ReadFile("testdata/snat-exhaustion.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGatewayText: the summary names the SNAT pool and the gateway's
// conntrack table, and the timeline gains its columns, within TextWidth
// even with the widest figures.
func TestGatewayText(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Result)
		want []string
	}{
		{"snat-exhaustion", func(*Result) {}, []string{
			"  NAT gateway  SNAT pool 100 ports (50000-50099) × 1 address × 1 destination = 100 flows\n",
			"               1 client host; conntrack peak 100 of 262144, 100 at the end; 150 SYNs dropped\n",
			"               at the end: 100 ESTABLISHED\n",
			"gw entries  gw drops\n"}},
		{"widest", func(r *Result) {
			r.Gateway.SNATAddresses = []string{"198.19.0.1", "198.19.0.3"}
			r.Gateway.Clients, r.Gateway.ConntrackMax = 16, 4194304
			r.Gateway.End = GatewaySample{Entries: 4194304, InsertFailed: 3e7, Drop: 3e7, EarlyDrop: 3e7,
				States: map[string]int{"ESTABLISHED": 4000000, "TIME_WAIT": 190000, "SYN_SENT": 4304}}
			r.Target = "198.19.0.2:7777,198.19.0.2:7778,198.19.0.2:7779"
			r.Config.Target = r.Target
			for i := range 300 {
				// A day-long run at millions of requests per second.
				r.Timeline = append(r.Timeline, Interval{TS: 86399.5 + float64(i), RequestsOK: 9999999, Errors: map[string]int64{"timeout": 999999},
					ConnectionsOpened: 999999, TimeWait: 999999, Established: 999999, P50US: 999999, P99US: 9999999,
					Gateway: &GatewaySample{Entries: 4194304, InsertFailed: 3e7, Drop: 3e7, EarlyDrop: 3e7}})
			}
		}, []string{"2 addresses × 3 destinations = 600 flows\n", "16 client hosts;", "4000000 ESTABLISHED, 190000 TIME_WAIT, 4304 SYN_SENT",
			"10.00s     4194304  30000000\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := natResult(t)
			tc.edit(r)
			var b bytes.Buffer
			if err := WriteText(&b, r); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("summary lacks %q", want)
				}
			}
			// The last interval's gateway columns: its entries and the
			// SYNs dropped so far, each counted once.
			if i := strings.LastIndex(out, "\n    5.0s "); tc.name == "snat-exhaustion" {
				if f := strings.Fields(out[i+1:]); i < 0 || len(f) < 10 || f[8] != "100" || f[9] != "150" {
					t.Errorf("no 5 s interval with gw entries 100, gw drops 150")
				}
			}
			for _, l := range strings.Split(out, "\n") {
				if width(l) > TextWidth {
					t.Errorf("%d columns, want <= %d: %q", width(l), TextWidth, l)
				}
			}
			if t.Failed() {
				t.Logf("summary:\n%s", out)
			}
		})
	}
}

// TestGatewayMarkdown: the Markdown comparison of a NAT run shows the
// gateway's pool and table, and its counters as rows; a run without a
// gateway has none.
func TestGatewayMarkdown(t *testing.T) {
	plain := synthetic(t, "loopback", 499, 985, 0)
	c, err := Compare([]*Result{natResult(t), plain}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"#### NAT gateway\n",
		"| snat-100 | 100 ports (50000-50099) × 1 address × 1 destination = 100 flows | 1 | 100 of 262144 | 100: 100 ESTABLISHED | 150 | 150 | 0 |\n",
		"| gateway conntrack | 100 | - |", "| gateway insert_failed | 150 | - |", "| gateway drop | 150 | - |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Contains(out, "| loopback | 0 ports") {
		t.Errorf("the run without a gateway has a gateway row")
	}
	if t.Failed() {
		t.Logf("Markdown:\n%s", out)
	}
}
