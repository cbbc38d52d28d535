package loadgen

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/report"
)

// testValues are latencies across the whole range: every value below
// 5,000 (each sub-bucket of the first buckets), bucket edges, random
// values and the range's ends.
func testValues() []int64 {
	var vs []int64
	for v := int64(0); v < 5000; v++ {
		vs = append(vs, v)
	}
	for p := int64(1); p <= report.MaxLatencyUS; p *= 2 {
		vs = append(vs, p-1, p, p+1)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		vs = append(vs, rng.Int64N(report.MaxLatencyUS+1))
	}
	return append(vs, report.MaxLatencyUS-1, report.MaxLatencyUS)
}

// TestHistogramIsHdrHistogram: the atomic histogram counts every value in
// the bucket HdrHistogram counts it in, so the result's encoding,
// percentiles, min, max and mean are HdrHistogram's.
func TestHistogramIsHdrHistogram(t *testing.T) {
	for _, sig := range []int{intervalFigures, report.SignificantFigures} {
		want := hdrhistogram.New(report.MinLatencyUS, report.MaxLatencyUS, sig)
		if got, want := len(newHistogram(sig).counts), len(want.Export().Counts); got != want {
			t.Fatalf("%d digits: %d counts, HdrHistogram has %d", sig, got, want)
		}
		// Two shards, as workers on two CPUs record them.
		hs := []*histogram{newHistogram(sig), newHistogram(sig)}
		for i, v := range testValues() {
			if err := want.RecordValue(v); err != nil {
				t.Fatal(err)
			}
			hs[i%2].record(v)
		}
		got := merged(hs)
		if !got.Equals(want) {
			t.Errorf("%d digits: merged shards differ from HdrHistogram: count %d/%d, min %d/%d, max %d/%d, p99 %d/%d",
				sig, got.TotalCount(), want.TotalCount(), got.Min(), want.Min(), got.Max(), want.Max(),
				got.ValueAtQuantile(99), want.ValueAtQuantile(99))
		}
		g, err := report.Summarize(got)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := report.Summarize(want)
		if g.HDR != w.HDR {
			g.HDR, w.HDR = "", ""
			t.Errorf("%d digits: encoding differs; summary %+v, want %+v", sig, g, w)
		}
	}
}

// TestHistogramConcurrentRecordsAllCount: records from many goroutines
// at once into one histogram all count.
func TestHistogramConcurrentRecordsAllCount(t *testing.T) {
	h := newHistogram(report.SignificantFigures)
	const goroutines, each = 32, 2000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				h.record(int64(100 + i%7 + g%3)) // a few hot buckets, as latencies are
			}
		})
	}
	wg.Wait()
	if got := merged([]*histogram{h}).TotalCount(); got != goroutines*each {
		t.Errorf("%d values counted, want %d", got, goroutines*each)
	}
}

// TestRecordingStateDoesNotGrowWithWorkers: the histograms a run keeps
// (latencies and timeline intervals) are as many at concurrency 64 as at
// concurrency 1; only the number of intervals adds to them.
func TestRecordingStateDoesNotGrowWithWorkers(t *testing.T) {
	srv := echotest.Start(t, nil)
	count := func(concurrency int) (histograms, intervals int) {
		cfg := testConfig(srv.Addr().String())
		cfg.Mode, cfg.Concurrency, cfg.Requests = ModeKeepAlive, concurrency, 500
		cfg.Duration, cfg.Interval = time.Minute, time.Hour // every request in interval 0
		r, err := New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Totals.RequestsOK != 500 {
			t.Fatalf("c=%d: %d ok, want 500", concurrency, res.Totals.RequestsOK)
		}
		histograms = 3 * len(r.latencies)
		for _, shards := range r.intervals.intervals {
			histograms += len(shards)
		}
		return histograms, len(r.intervals.intervals)
	}
	h1, iv1 := count(1)
	h64, iv64 := count(64)
	// Interval 0, and those the timeline makes ahead of the workers.
	if want := 1 + lookahead(time.Hour); iv1 != want || iv64 != want {
		t.Fatalf("%d and %d timeline intervals, want %d", iv1, iv64, want)
	}
	if h1 != h64 || h1 > 4*maxShards {
		t.Errorf("%d histograms at concurrency 1, %d at 64; want the same, at most %d", h1, h64, 4*maxShards)
	}
}
