package report_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// TestMergeRealClients merges two clients that loaded one echo server at
// the same time, one churning connections, one keeping them alive.
func TestMergeRealClients(t *testing.T) {
	srv := startEcho(t)
	churn := loadConfig(srv, "churn", 1500)
	keep := loadConfig(srv, "keep", 2500)
	keep.Mode = loadgen.ModeKeepAlive
	rs := runAll(t, churn, keep)
	a, b := rs[0], rs[1]

	m, err := report.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Totals.RequestsOK, a.Totals.RequestsOK+b.Totals.RequestsOK; got != want || got != 4000 {
		t.Errorf("merged requests_ok %d, want %d + %d = 4000", got, a.Totals.RequestsOK, b.Totals.RequestsOK)
	}
	if got, want := m.Totals.ConnectionsOpened, a.Totals.ConnectionsOpened+b.Totals.ConnectionsOpened; got != want {
		t.Errorf("merged connections %d, want %d", got, want)
	}
	total := m.Latency.Total
	if total.Count != a.Latency.Total.Count+b.Latency.Total.Count {
		t.Errorf("merged total histogram holds %d, want %d + %d", total.Count, a.Latency.Total.Count, b.Latency.Total.Count)
	}
	lo, hi := min(a.Latency.Total.P50US, b.Latency.Total.P50US), max(a.Latency.Total.P50US, b.Latency.Total.P50US)
	if total.P50US < lo || total.P50US > hi {
		t.Errorf("merged p50 %d µs lies outside the inputs' %d..%d", total.P50US, lo, hi)
	}
	if want := max(a.Latency.Total.MaxUS, b.Latency.Total.MaxUS); total.MaxUS != want {
		t.Errorf("merged max %d, want %d", total.MaxUS, want)
	}
	if want := min(a.Latency.Total.MinUS, b.Latency.Total.MinUS); total.MinUS != want {
		t.Errorf("merged min %d, want %d", total.MinUS, want)
	}
	// The encoded histogram decodes to the same summary.
	h, err := total.Decode()
	if err != nil || h.TotalCount() != total.Count || h.ValueAtQuantile(99) != total.P99US {
		t.Errorf("merged histogram decodes to %d values, p99 %d; summary %+v (%v)", h.TotalCount(), h.ValueAtQuantile(99), total, err)
	}
	var inTimeline int64
	for _, iv := range m.Timeline {
		inTimeline += iv.RequestsOK
	}
	if inTimeline != m.Totals.RequestsOK {
		t.Errorf("merged timeline counts %d requests, totals %d", inTimeline, m.Totals.RequestsOK)
	}
	start := a.StartedAt
	if b.StartedAt.Before(start) {
		start = b.StartedAt
	}
	if !m.StartedAt.Equal(start) {
		t.Errorf("merged start %s, want the earliest %s", m.StartedAt, start)
	}
	wantRate := float64(m.Totals.RequestsOK) / m.ElapsedS
	if m.Throughput.RequestsPerS != wantRate || m.ElapsedS < max(a.ElapsedS, b.ElapsedS) {
		t.Errorf("merged %g requests/s over %g s; want %g over at least the longest run", m.Throughput.RequestsPerS, m.ElapsedS, wantRate)
	}
}

// TestMergeRealOnsets stops the server under two clients that started at
// different times: the merged onset is the earliest by wall clock.
func TestMergeRealOnsets(t *testing.T) {
	srv := startEcho(t)
	cfgs := []loadgen.Config{loadConfig(srv, "first", 0), loadConfig(srv, "second", 0)}
	for i := range cfgs {
		cfgs[i].Duration = 900 * time.Millisecond
	}
	rs := make([]*report.Result, 2)
	done := make(chan error, 2)
	for i, cfg := range cfgs {
		go func() {
			time.Sleep(time.Duration(i) * 150 * time.Millisecond)
			var err error
			rs[i], err = loadgen.Run(context.Background(), cfg)
			done <- err
		}()
	}
	time.Sleep(400 * time.Millisecond)
	srv.Close()
	for range cfgs {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	m, err := report.Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Onset) == 0 {
		t.Fatalf("no onset after the server closed: errors %v", m.Errors)
	}
	for class, got := range m.Onset {
		want := math.Inf(1)
		for _, r := range rs {
			if o, ok := r.Onset[class]; ok {
				at := r.StartedAt.Add(time.Duration(o.AtS * 1e9)).Sub(m.StartedAt).Seconds()
				want = math.Min(want, at)
			}
		}
		if math.Abs(got.AtS-want) > 1e-6 {
			t.Errorf("%s onset at %.6f s of the merged run, want the earliest, %.6f", class, got.AtS, want)
		}
		if n := m.Errors[class]; n != rs[0].Errors[class]+rs[1].Errors[class] {
			t.Errorf("%s: merged %d, want %d + %d", class, n, rs[0].Errors[class], rs[1].Errors[class])
		}
	}
}
