package report

import (
	"slices"
	"testing"
	"time"
)

// steadyBursts is a run that finishes perRound requests once every round
// of n intervals of width every: a steady rate whose ports come back in
// bursts, as TIME_WAIT reuse after tcp_tw_reuse_delay makes them.
func steadyBursts(label string, every time.Duration, intervals, n int, perRound int64, timeWait int) *Result {
	r := &Result{Label: label, Config: &RunConfig{}, ElapsedS: every.Seconds() * float64(intervals)}
	r.Config.Interval = every
	for i := range intervals {
		iv := Interval{TS: every.Seconds() * float64(i+1), TimeWait: timeWait, Errors: map[string]int64{}}
		if i%n == 0 {
			iv.RequestsOK, iv.P50US, iv.P99US = perRound, 100, 900
		}
		r.Timeline = append(r.Timeline, iv)
	}
	return r
}

// TestTimelineBinsSmoothBursts: 1000 requests every fourth 250 ms interval
// over 4 s is 1000/s, and the timeline says so in 1 s bins rather than
// drawing 4000/s and 0/s in turn.
func TestTimelineBinsSmoothBursts(t *testing.T) {
	r := steadyBursts("tw-reuse", 250*time.Millisecond, 16, 4, 1000, 1000)
	axis := newTimeAxis([]*Result{r})
	if axis.bin != 1 || !axis.rebinned() {
		t.Fatalf("a 4 s report recorded every 0.25 s plots bins of %v s, want 1 s", axis.bin)
	}
	bins := axis.bins(r)
	if len(bins) != 4 {
		t.Fatalf("%d bins, want 4: %+v", len(bins), bins)
	}
	for i, b := range bins {
		if b.ok != 1000 || b.from != float64(i) || b.to != float64(i+1) || b.timeWait != 1000 {
			t.Errorf("bin %d = %+v, want 1000 ok from %d s to %d s, 1000 TIME_WAIT", i, b, i, i+1)
		}
	}
	if got := axis.label(); got != "seconds (1 s bins; recorded every 0.25 s)" {
		t.Errorf("the axis label does not say the bins are wider than recorded: %q", got)
	}
}

// TestTimelineShortReportKeepsIntervals: a report shorter than
// minRebinSpanS keeps the intervals as recorded.
func TestTimelineShortReportKeepsIntervals(t *testing.T) {
	r := steadyBursts("short", 100*time.Millisecond, 8, 1, 10, 3)
	axis := newTimeAxis([]*Result{r})
	if axis.rebinned() || len(axis.bins(r)) != 8 {
		t.Errorf("a 0.8 s report recorded every 0.1 s plots %d bins of %v s, want its 8 intervals", len(axis.bins(r)), axis.bin)
	}
}

// TestTimelinePanelsShareAxes: a 1 s run and a 4 s run are drawn on the
// same time axis and the same TIME_WAIT axis, which a handful of sockets
// does not stretch to the top.
func TestTimelinePanelsShareAxes(t *testing.T) {
	short := steadyBursts("short", 250*time.Millisecond, 4, 1, 50, 2)
	long := steadyBursts("long", 250*time.Millisecond, 16, 1, 50, 6)
	c, err := Compare([]*Result{short, long}, 0)
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.htmlPage()
	if err != nil {
		t.Fatal(err)
	}
	a, b := page.Timelines[0], page.Timelines[1]
	if !slices.Equal(a.XTicks, b.XTicks) || len(a.XTicks) < 3 {
		t.Errorf("the panels' time axes differ:\n%v\n%v", a.XTicks, b.XTicks)
	}
	if !slices.Equal(a.Y2Ticks, b.Y2Ticks) {
		t.Errorf("the panels' TIME_WAIT axes differ:\n%v\n%v", a.Y2Ticks, b.Y2Ticks)
	}
	if top := a.Y2Ticks[len(a.Y2Ticks)-1].Label; top != "10" {
		t.Errorf("6 TIME_WAIT sockets put the axis top at %s, want 10", top)
	}
	if got := page.Latency.Series; len(got) != 4 || got[0].Path == "" || got[1].Dash == "" {
		t.Errorf("latency over time has series %+v, want p50 and dashed p99 of both runs", got)
	}
}

// TestTimelineSplitsTimeWaitSides: a result that counted the client's and
// the server's TIME_WAIT apart shows both, as two dots at the run's end,
// and says the line, sampled in one namespace, mixes them.
func TestTimelineSplitsTimeWaitSides(t *testing.T) {
	r := steadyBursts("server-closes", 250*time.Millisecond, 8, 1, 50, 500)
	r.Sockets = &Sockets{TimeWaitClient: 3, TimeWaitServer: 497}
	c, err := Compare([]*Result{r}, 0)
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.htmlPage()
	if err != nil {
		t.Fatal(err)
	}
	ch := page.Timelines[0]
	if len(ch.Dots) != 2 || ch.Dots[0].Y == ch.Dots[1].Y {
		t.Fatalf("TIME_WAIT at the end is drawn as %+v, want a client and a server dot apart", ch.Dots)
	}
	if want := "TIME_WAIT at the end: ● client 3, ○ server 497; the line mixes both sides"; ch.Subtitle != want {
		t.Errorf("subtitle %q, want %q", ch.Subtitle, want)
	}
}

// TestTimelinePortShare: where the timeline's TIME_WAIT is the client's,
// the right axis says what share of its ports that is; where the server
// holds TIME_WAIT, which costs no ephemeral port, it does not.
func TestTimelinePortShare(t *testing.T) {
	client := steadyBursts("new-conn", 250*time.Millisecond, 8, 1, 500, 1000)
	client.Sockets = &Sockets{TimeWaitClient: 1000}
	client.Environment.IPLocalPortRange = [2]int{40000, 40999}
	server := steadyBursts("server-closes", 250*time.Millisecond, 8, 1, 500, 500)
	server.Sockets = &Sockets{TimeWaitServer: 500}
	server.Environment.IPLocalPortRange = [2]int{40000, 40999}
	c, err := Compare([]*Result{client, server}, 0)
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.htmlPage()
	if err != nil {
		t.Fatal(err)
	}
	labels := func(ch *chart) []string {
		var out []string
		for _, tk := range ch.Y2Ticks {
			out = append(out, tk.Label)
		}
		return out
	}
	if got := labels(page.Timelines[0]); got[len(got)-1] != "1k 100%" || got[2] != "500 50%" {
		t.Errorf("client TIME_WAIT axis %q, want 0%% to 100%% of 1000 ports", got)
	}
	if got := labels(page.Timelines[1]); got[len(got)-1] != "1k" {
		t.Errorf("server TIME_WAIT axis %q, want counts only", got)
	}
}
