package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/sockstate"
)

// TestTimelineHasEveryRow: a run of ten intervals has ten rows, each with
// a socket count (a late or missed tick takes the next sample), the last
// ending at the end of the measured window.
func TestTimelineHasEveryRow(t *testing.T) {
	if _, _, err := sockstate.Count(); err != nil {
		t.Skipf("cannot count sockets here: %v", err)
	}
	srv := echotest.Start(t, nil)
	cfg := testConfig(srv.Addr().String())
	cfg.Mode, cfg.Concurrency, cfg.Duration, cfg.Interval = ModeKeepAlive, 2, 500*time.Millisecond, 50*time.Millisecond
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, res)
	if len(res.Timeline) != 10 {
		t.Fatalf("%d timeline rows, want 10", len(res.Timeline))
	}
	for i, iv := range res.Timeline {
		if iv.TimeWait < 0 || iv.Established < 0 {
			t.Errorf("row %d (ts %g): time_wait %d, established %d: a sample missing", i, iv.TS, iv.TimeWait, iv.Established)
		}
		if want := float64(i+1) * 0.05; iv.TS < want-1e-9 || iv.TS > want+1e-9 {
			t.Errorf("row %d ends at %g, want %g", i, iv.TS, want)
		}
	}
}

// TestTimelineLateSamples: on a busy machine the sampler's ticks come
// late or are dropped; every row still gets the first sample taken after
// it ended, and the last row the last sample (the run's real end).
func TestTimelineLateSamples(t *testing.T) {
	start := time.Now()
	tl := newTimeline(start, 50*time.Millisecond)
	for i, at := range []time.Duration{120, 260, 400} { // ms; ticks at 50..250 late or lost
		tl.sockets = append(tl.sockets, socketCounts{start.Add(at * time.Millisecond), i + 1, 10 * (i + 1)})
	}
	rows := tl.build(300 * time.Millisecond)
	want := []int{1, 1, 2, 2, 2, 3} // rows end at 50, 100, ..., 300 ms
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.TimeWait != want[i] || r.Established != 10*want[i] {
			t.Errorf("row %d: time_wait %d, established %d; want %d, %d", i, r.TimeWait, r.Established, want[i], 10*want[i])
		}
	}
}
