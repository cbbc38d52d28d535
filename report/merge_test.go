package report

import (
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

func TestMergeRefusesOtherSchemas(t *testing.T) {
	a, b := sampleResult(t), sampleResult(t)
	b.Label = "future"
	b.SchemaVersion = 2
	_, err := Merge(a, b)
	if want := `"future" has schema_version 2, not 1: results of different schema versions do not merge`; err == nil || err.Error() != want {
		t.Errorf("Merge of schema versions 1 and 2: %v, want %q", err, want)
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge of nothing succeeded")
	}
}

func TestMergeRefusesOtherHistogramBounds(t *testing.T) {
	h := hdrhistogram.New(1, 3_600_000_000, 2) // an hour, two digits: not portlab's
	h.RecordValue(1500)
	other, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	a, b := sampleResult(t), sampleResult(t)
	b.Label = "foreign"
	b.Latency.Connect = other
	_, err = Merge(a, b)
	want := `"foreign": histogram bounds 1..3600000000 µs with 2 significant figures differ from portlab's 1..60000000 µs with 3`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Merge with other bounds: %v, want %q", err, want)
	}
}

// TestMergeAlignsByWallClock merges two clients that started half a second
// apart with different intervals.
func TestMergeAlignsByWallClock(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	iv := func(ts float64, ok, tw int, errs map[string]int64) Interval {
		if errs == nil {
			errs = map[string]int64{}
		}
		return Interval{TS: ts, RequestsOK: int64(ok), ConnectionsOpened: int64(ok), Errors: errs, TimeWait: tw, Established: 1, P50US: 100, P99US: 900}
	}
	a := sampleResult(t)
	a.Label, a.StartedAt, a.ElapsedS = "a", t0, 3
	a.Config = &RunConfig{}
	a.Config.Interval = time.Second
	a.Timeline = []Interval{iv(1, 100, 10, nil), iv(2, 100, 20, nil), iv(3, 100, 30, nil)}
	a.Onset = map[string]Onset{"EADDRNOTAVAIL": {AtS: 1.2, RequestsOKBefore: 120}}
	b := sampleResult(t)
	b.Label, b.StartedAt, b.ElapsedS = "b", t0.Add(500*time.Millisecond), 1.5
	b.Config = nil // no interval in the config: a reader falls back on the timeline
	b.Timeline = []Interval{iv(0.5, 7, 5, nil), iv(1, 11, -1, nil), iv(1.5, 13, 8, map[string]int64{"ECONNRESET": 2})}
	b.Onset = map[string]Onset{"EADDRNOTAVAIL": {AtS: 0.6, RequestsOKBefore: 60}, "ECONNRESET": {AtS: 1.4}}
	b.Errors = map[string]int64{"EADDRNOTAVAIL": 3, "ECONNRESET": 2}

	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.StartedAt.Equal(t0) || m.ElapsedS != 3 {
		t.Errorf("merged span %s + %g s, want %s + 3 s", m.StartedAt, m.ElapsedS, t0)
	}
	// b's onset at 0.5 + 0.6 = 1.1 s of wall time beats a's at 1.2 s.
	if got := m.Onset["EADDRNOTAVAIL"]; got.AtS != 1.1 || got.RequestsOKBefore != 60 {
		t.Errorf("EADDRNOTAVAIL onset %+v, want b's, at 1.1 s", got)
	}
	if got := m.Onset["ECONNRESET"].AtS; got != 1.9 {
		t.Errorf("ECONNRESET onset at %g s, want 1.9 (0.5 + 1.4)", got)
	}
	if m.Errors["EADDRNOTAVAIL"] != 8 || m.Errors["ECONNRESET"] != 2 {
		t.Errorf("errors %v, want 8 EADDRNOTAVAIL, 2 ECONNRESET", m.Errors)
	}
	if got, want := m.Throughput.RequestsPerS, float64(m.Totals.RequestsOK)/3; got != want {
		t.Errorf("requests/s %g, want %g over the 3 s span", got, want)
	}
	// b's intervals have midpoints at 0.75, 1.25 and 1.75 s of the merged
	// clock: one falls into the first second, two into the second.
	want := []Interval{
		{TS: 1, RequestsOK: 107, TimeWait: 15, Established: 2},
		{TS: 2, RequestsOK: 124, TimeWait: 28, Established: 2, Errors: map[string]int64{"ECONNRESET": 2}},
		{TS: 3, RequestsOK: 100, TimeWait: 30, Established: 1, P50US: 100, P99US: 900},
	}
	if len(m.Timeline) != len(want) {
		t.Fatalf("merged timeline has %d intervals, want %d: %+v", len(m.Timeline), len(want), m.Timeline)
	}
	for i, w := range want {
		g := m.Timeline[i]
		if g.TS != w.TS || g.RequestsOK != w.RequestsOK || g.ConnectionsOpened != w.RequestsOK || g.TimeWait != w.TimeWait ||
			g.Established != w.Established || g.P50US != w.P50US || g.P99US != w.P99US || g.Errors["ECONNRESET"] != w.Errors["ECONNRESET"] {
			t.Errorf("interval %d: got %+v, want %+v", i, g, w)
		}
	}
	if got := m.Config.Interval; got != time.Second {
		t.Errorf("merged interval %v, want 1s", got)
	}
	if a.Timeline[0].RequestsOK != 100 || len(a.Errors) != 1 {
		t.Error("Merge modified its input")
	}
}

// TestMergeClientCost: the merged clients' CPU adds up, per request over
// all their requests, the peak RSS is the largest client's, and so is the
// resident set at the end, whole with its parts; an input without a cost
// leaves the merge without one.
func TestMergeClientCost(t *testing.T) {
	a, b := sampleResult(t), sampleResult(t)
	for _, r := range []*Result{a, b} {
		r.Totals.RequestsStarted = r.Totals.RequestsOK + r.Totals.RequestsFailed + r.Totals.RequestsIncomplete
	}
	a.Client = &ClientCost{CPUUserS: 1, CPUSysS: 2, CPUBusy: 0.5, MaxRSSKB: 30000, RSSKB: 9000, RSSAnonKB: 2000, RSSFileKB: 7000}
	b.Client = &ClientCost{CPUUserS: 0.5, CPUSysS: 0.5, CPUBusy: 0.25, MaxRSSKB: 50000, RSSKB: 8000, RSSAnonKB: 5000, RSSFileKB: 3000}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	started := float64(a.Totals.RequestsStarted + b.Totals.RequestsStarted)
	want := ClientCost{CPUUserS: 1.5, CPUSysS: 2.5, CPUBusy: 0.75, CPUPerRequestUS: 4 / started * 1e6, MaxRSSKB: 50000,
		RSSKB: 9000, RSSAnonKB: 2000, RSSFileKB: 7000}
	if m.Client == nil || *m.Client != want {
		t.Errorf("merged client cost %+v, want %+v", m.Client, want)
	}
	b.Client = nil
	if m, err = Merge(a, b); err != nil || m.Client != nil {
		t.Errorf("merge with an input without a cost: %+v, %v; want none", m.Client, err)
	}
}
