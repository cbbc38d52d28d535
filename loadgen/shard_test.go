package loadgen

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/report"
)

// Shards of one load, started together at one instant, run exactly their
// shares: their requests and workers add up to the load's, and each
// result is labelled with its shard.
func TestShardsRunTheirShares(t *testing.T) {
	srv := echotest.Start(t, nil)
	tests := []struct {
		name string
		rate float64
	}{{"closed loop", 0}, {"open loop", 400}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n, requests, concurrency = 4, 402, 10
			cfg := testConfig(srv.Addr().String())
			cfg.Requests, cfg.Concurrency, cfg.Rate, cfg.Label, cfg.Shards = requests, concurrency, tt.rate, "web", n
			cfg.StartAt = time.Now().Add(300 * time.Millisecond)
			rs := make([]*report.Result, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				c := cfg
				c.Shard = config.Shard{Index: i, Count: n}.String()
				wg.Go(func() { rs[i], errs[i] = Run(context.Background(), c) })
			}
			wg.Wait()
			var ok, workers int64
			var rate float64
			for i, res := range rs {
				if errs[i] != nil {
					t.Fatalf("shard %d: %v", i, errs[i])
				}
				if res.Shard == nil || *res.Shard != (config.Shard{Index: i, Count: n}) || res.Label != "web shard "+res.Shard.String() {
					t.Errorf("shard %d is labelled %q, %v", i, res.Label, res.Shard)
				}
				if want := (config.Shard{Index: i, Count: n}).Part(requests); res.Totals.RequestsOK != want || res.Config.Requests != want {
					t.Errorf("shard %d: %d requests ok, config %d; want its share %d", i, res.Totals.RequestsOK, res.Config.Requests, want)
				}
				if err := res.Totals.Accounted(); err != nil {
					t.Errorf("shard %d: %v", i, err)
				}
				if res.StartedAt.Before(cfg.StartAt) {
					t.Errorf("shard %d started at %s, before its start time %s", i, res.StartedAt, cfg.StartAt)
				}
				if res.Config.Shard != "" || res.Config.Shards != 0 {
					t.Errorf("shard %d's config records shard %q/%d: it should hold the share alone", i, res.Config.Shard, res.Config.Shards)
				}
				ok += res.Totals.RequestsOK
				workers += int64(res.Config.Concurrency)
				rate += res.Config.Rate
			}
			if ok != requests || workers != concurrency || rate != tt.rate {
				t.Errorf("shards ran %d requests, %d workers, %g/s; want %d, %d, %g", ok, workers, rate, requests, concurrency, tt.rate)
			}
		})
	}
}

// A run waiting for its start time ends at the first cancel, with a
// result that sent nothing and says why.
func TestStartWaitInterrupted(t *testing.T) {
	srv := echotest.Start(t, nil)
	cfg := testConfig(srv.Addr().String())
	cfg.StartDelay = config.MaxStartWait
	ctx, cancel := context.WithCancel(context.Background())
	r, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	// Bounded: a wait that ignored the cancel would sit for an hour. The
	// minute is a bound for a hang, far beyond any machine's slowness.
	done := make(chan struct{})
	var res *report.Result
	go func() { defer close(done); res, err = r.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run still waits for its start time a minute after the cancel")
	}
	if err == nil || res == nil {
		t.Fatalf("Run = %v, %v; want a result and the cancel", res, err)
	}
	if res.Totals.RequestsStarted != 0 || !res.Interrupted || !strings.Contains(strings.Join(res.Notes, "\n"), "interrupted while waiting to start at") {
		t.Errorf("%d requests, interrupted %v, notes %q", res.Totals.RequestsStarted, res.Interrupted, res.Notes)
	}
}

// The open-loop schedules of a load's shards interleave: shard i of N
// sends its k-th request at (k*N + i)/rate, so together they send one
// request every 1/rate, not N at a time.
func TestShardSchedulesInterleave(t *testing.T) {
	srv := echotest.Start(t, nil)
	const n, rate = 4, 400 // 2.5 ms apart
	var got []time.Duration
	for i := range n {
		cfg := testConfig(srv.Addr().String())
		cfg.Rate, cfg.Shard = rate, config.Shard{Index: i, Count: n}.String()
		r, err := New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r.proto.close()
		r.start = time.Now().Add(-time.Hour) // every slot is due: next does not sleep
		r.deadline = r.start.Add(cfg.Duration)
		r.latencies = newLatencies(1)
		w := newWorker(r, 0)
		for range 3 {
			intended, ok := w.next(context.Background())
			if !ok {
				t.Fatalf("shard %d: no send left", i)
			}
			got = append(got, intended.Sub(r.start))
		}
	}
	period := time.Second / rate
	for i, d := range got {
		shard, k := i/3, i%3
		if want := time.Duration(k*n+shard) * period; d != want {
			t.Errorf("shard %d, send %d: at %s, want %s", shard, k, d, want)
		}
	}
}

// The shards' open-loop schedules are exactly the whole load's: shard i's
// slot n is the whole load's slot i+n*N to the nanosecond, and the slots
// the shards schedule within the duration (and within their shares of
// the request count) add up to the whole load's, whatever the rate, the
// duration and the count: no request is lost or added at the deadline.
func TestShardSchedulesAddUp(t *testing.T) {
	rates := []float64{1, 3, 7, 400, 999.9, 1e6 / 3, 2_999_999, config.MaxRate}
	durations := []time.Duration{time.Second, 1234567 * time.Microsecond, 20 * time.Second, 3 * time.Hour}
	for _, rate := range rates {
		for _, d := range durations {
			for _, k := range []int64{0, 1000, 7_777_777} {
				period, _ := openSchedule(rate, config.Shard{})
				want := dueBefore(d, period, 0, k)
				for _, n := range []int{1, 2, 3, 4, 7, 16, 97} {
					var sum int64
					for i := range n {
						s := config.Shard{Index: i, Count: n}
						p, ph := openSchedule(rate, s)
						sum += dueBefore(d, p, ph, s.Part(k))
						for _, slot := range []int64{0, 1, 12345, 9_876_543} {
							if got, want := ph+time.Duration(slot)*p, time.Duration(int64(i)+slot*int64(n))*period; got != want {
								t.Fatalf("rate %g, shard %s: slot %d at %s, whole load's slot %d at %s",
									rate, s, slot, got, int64(i)+slot*int64(n), want)
							}
						}
					}
					if sum != want {
						t.Errorf("rate %g for %s, requests %d, %d shards: schedule %d requests, one process %d",
							rate, d, k, n, sum, want)
					}
				}
			}
		}
	}
}
