package report_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// TestMergeRealClients merges two clients that loaded one echo server at
// the same time, one churning connections, one keeping them alive.
func TestMergeRealClients(t *testing.T) {
	srv := echotest.Start(t, nil)
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
	checkAccounting(t, m, a, b)
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

// TestMergeRealOnsets stops the servers under two clients at different
// points of their runs: the merged onset is the earliest by wall clock.
// Each client has its own server, closed after it has served a count of
// connections (not after a time), so that both clients are sure to have
// started and to see an onset however busy the machine.
func TestMergeRealOnsets(t *testing.T) {
	servers := []*echo.Server{echotest.Start(t, nil), echotest.Start(t, nil)}
	rs := make([]*report.Result, 2)
	done := make(chan error, 2)
	for i, srv := range servers {
		// Bounded by a count, not a time: a busy machine still reaches
		// the 400 connections; once its server is gone the rest fail
		// at once.
		cfg := loadConfig(srv, []string{"first", "second"}[i], 3000)
		cfg.Duration = time.Minute
		go func() {
			var err error
			rs[i], err = loadgen.Run(context.Background(), cfg)
			done <- err
		}()
	}
	closeAfter := []int64{100, 400}
	for i, srv := range servers {
		for deadline := time.Now().Add(20 * time.Second); srv.Stats().Accepted < closeAfter[i]; time.Sleep(2 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("server %d served %d connections, never %d", i+1, srv.Stats().Accepted, closeAfter[i])
			}
		}
		srv.Close()
	}
	for range servers {
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
	checkAccounting(t, m, rs...)
}

// checkAccounting checks that m, the merge of rs, sums their accounting
// exactly: every counter, the status codes, and the gap in the identity
// started = ok + failed + incomplete (0 in inputs that account for every
// request, and then 0 in the merge).
func checkAccounting(t *testing.T, m *report.Result, rs ...*report.Result) {
	t.Helper()
	gap := func(x report.Totals) int64 {
		return x.RequestsStarted - x.RequestsOK - x.RequestsFailed - x.RequestsIncomplete
	}
	// Sum every field of Totals, whatever it is named, so that a counter
	// Merge forgets to add shows here.
	var sum report.Totals
	sv := reflect.ValueOf(&sum).Elem()
	var gaps int64
	status := map[string]int64{}
	for _, r := range rs {
		x := r.Totals
		xv := reflect.ValueOf(x)
		for i := range xv.NumField() {
			if k := xv.Field(i).Kind(); k != reflect.Int64 {
				t.Fatalf("Totals.%s is a %s: this check sums int64 counters", xv.Type().Field(i).Name, k)
			}
			sv.Field(i).SetInt(sv.Field(i).Int() + xv.Field(i).Int())
		}
		gaps += gap(x)
		for code, n := range r.Status {
			status[code] += n
		}
	}
	if m.Totals != sum {
		t.Errorf("merged totals\n got %+v\nwant %+v", m.Totals, sum)
	}
	if got := gap(m.Totals); got != gaps {
		t.Errorf("merged started - (ok + failed + incomplete) = %d, want the inputs' %d", got, gaps)
	}
	for code, n := range status {
		if m.Status[code] != n {
			t.Errorf("merged status %s: %d, want %d", code, m.Status[code], n)
		}
	}
	if len(m.Status) != len(status) {
		t.Errorf("merged status %v, want %v", m.Status, status)
	}
}

// TestMergeRealOpenLoop merges two open-loop clients (--rate): the
// schedule's counters add up like the others, and the summary portlab load
// prints shows them.
func TestMergeRealOpenLoop(t *testing.T) {
	srv := echotest.Start(t, nil)
	var cfgs []loadgen.Config
	for _, label := range []string{"paced-1", "paced-2"} {
		cfg := loadConfig(srv, label, 0)
		cfg.Mode = loadgen.ModeKeepAlive
		cfg.Rate = 2000
		cfg.Duration = 500 * time.Millisecond
		cfgs = append(cfgs, cfg)
	}
	rs := runAll(t, cfgs...)
	m, err := report.Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, m, rs...)
	if m.Totals.RequestsOK == 0 {
		t.Errorf("no request succeeded: %+v", m.Totals)
	}
	var b strings.Builder
	if err := report.WriteText(&b, m); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("  scheduled    %d due, %d unsent", m.Totals.RequestsScheduled, m.Totals.RequestsUnsent)
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, b.String())
	}
}
