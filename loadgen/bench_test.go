package loadgen

import (
	"context"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portlab/portlab/echo/echotest"
)

// benchWorker returns a worker of a Runner made by New against a loopback
// echo server, its run begun but with no worker loop running, so a
// benchmark times the per-request path alone.
func benchWorker(b testing.TB, mutate func(*Config)) (*worker, context.Context) {
	srv := echotest.Start(b, nil)
	cfg := testConfig(srv.Addr().String())
	cfg.Duration, cfg.Concurrency = time.Hour, 1
	if mutate != nil {
		mutate(&cfg)
	}
	r, err := New(context.Background(), cfg, withGoroutines()) // its workers' request path
	if err != nil {
		b.Fatal(err)
	}
	ctx, end := r.begin(context.Background())
	w := r.workers[0]
	b.Cleanup(func() {
		w.finish()
		w.closeAll()
		end()
		r.proto.close()
	})
	return w, ctx
}

func benchRequests(b *testing.B, w *worker, ctx context.Context) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.request(ctx, time.Time{})
	}
	b.StopTimer()
	if f := w.failed.Load(); f > 0 {
		b.Fatalf("%d requests failed: %v", f, w.errs)
	}
}

// TestKeepAliveRequestDoesNotAllocate: the round-trip hot path (write,
// read the echo, record) allocates nothing once its connection is open.
func TestKeepAliveRequestDoesNotAllocate(t *testing.T) {
	for _, proto := range []Protocol{ProtocolTCP, ProtocolUDP} {
		t.Run(string(proto), func(t *testing.T) {
			var w *worker
			var ctx context.Context
			if proto == ProtocolUDP {
				srv := startUDPEcho(t)
				w, ctx = benchWorker(t, func(c *Config) {
					c.Target, c.Protocol, c.Mode = srv.Addr().String(), ProtocolUDP, ModeKeepAlive
				})
			} else {
				w, ctx = benchWorker(t, func(c *Config) { c.Mode = ModeKeepAlive })
			}
			w.request(ctx, time.Time{}) // dials the connection, off the count
			if allocs := testing.AllocsPerRun(1000, func() { w.request(ctx, time.Time{}) }); allocs != 0 {
				t.Errorf("%v allocations per keep-alive request, want 0", allocs)
			}
			if w.failed.Load() != 0 || w.incomplete != 0 || w.ok.Load() != 1002 { // AllocsPerRun warms up with one more
				t.Errorf("ok %d, failed %d, incomplete %d; want 1002 ok: %v", w.ok.Load(), w.failed.Load(), w.incomplete, w.errs)
			}
		})
	}
}

// BenchmarkRequestKeepAlive is the round-trip hot path: write, read the
// echo, record. It must not allocate (TestKeepAliveRequestDoesNotAllocate).
func BenchmarkRequestKeepAlive(b *testing.B) {
	w, ctx := benchWorker(b, func(c *Config) { c.Mode = ModeKeepAlive })
	benchRequests(b, w, ctx)
}

// BenchmarkRequestNew adds dial and close per request. SO_LINGER 0 keeps
// the host's ports out of TIME_WAIT however long the benchmark runs; what
// allocates here is package net's per-connection state.
func BenchmarkRequestNew(b *testing.B) {
	w, ctx := benchWorker(b, func(c *Config) { c.Linger = 0 })
	benchRequests(b, w, ctx)
}

func BenchmarkClassify(b *testing.B) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := net.Dial("tcp", addr)
	b.ReportAllocs()
	for b.Loop() {
		if Classify(err) != ClassConnRefused {
			b.Fatal(err)
		}
	}
}

// benchSucceed times recording a successful request (both latency
// histograms, the timeline's counter and histogram) by goroutines
// goroutines at once, each on a worker of its own.
func benchSucceed(b *testing.B, goroutines int) {
	w0, _ := benchWorker(b, func(c *Config) { c.Concurrency = goroutines })
	r := w0.r
	var next atomic.Int64
	t1 := r.start.Add(time.Millisecond)
	b.ReportAllocs()
	b.SetParallelism(max(goroutines/runtime.GOMAXPROCS(0), 1))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := r.workers[int(next.Add(1)-1)%len(r.workers)]
		i := 0
		for pb.Next() {
			i++
			end := t1.Add(time.Duration(50+i%200) * time.Microsecond)
			w.succeed(end.Sub(t1), end.Sub(r.start), end)
		}
	})
}

// BenchmarkRecord is the recording path alone, on one goroutine; it must
// not allocate.
func BenchmarkRecord(b *testing.B) { benchSucceed(b, 1) }

// BenchmarkRecordParallel records from 1,024 workers at once, the
// contended case: a few shards per CPU, not one histogram per worker.
func BenchmarkRecordParallel(b *testing.B) { benchSucceed(b, 1024) }

// BenchmarkNextOpenLoop is the open-loop pacer's cost per request: claim
// a slot and compute its intended time, every slot already due (no
// sleep), for a whole load and for a shard of one, which must cost the
// same.
func BenchmarkNextOpenLoop(b *testing.B) {
	for _, shard := range []string{"", "3/4"} {
		b.Run("shard="+shard, func(b *testing.B) {
			w, ctx := benchWorker(b, func(c *Config) { c.Rate, c.Shard, c.Concurrency = 1e7, shard, 4 })
			w.r.start = time.Now().Add(-time.Hour)
			w.r.deadline = w.r.start.Add(2 * time.Hour)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := w.next(ctx); !ok {
					b.Fatal("no slot")
				}
			}
		})
	}
}
