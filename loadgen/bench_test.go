package loadgen

import (
	"context"
	"net"
	"testing"
	"time"
)

// benchWorker returns a worker wired to a loopback echo server, outside
// Run, so a benchmark times the per-request path alone.
func benchWorker(b *testing.B, mutate func(*Config)) (*worker, context.Context) {
	srv := startEcho(b, nil)
	cfg := testConfig(srv.Addr().String())
	cfg.Duration = time.Hour
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	r := &run{cfg: cfg}
	if err := r.resolve(context.Background()); err != nil {
		b.Fatal(err)
	}
	r.dialer = net.Dialer{Timeout: cfg.ConnectTimeout, Control: dialControl(&cfg)}
	r.start = time.Now()
	r.deadline = r.start.Add(cfg.Duration)
	r.intervals = newTimeline(r.start, cfg.Interval)
	ctx, cancel := context.WithCancelCause(context.Background())
	r.cancel = cancel
	b.Cleanup(func() { cancel(nil) })
	w := newWorker(r, 0)
	r.workers = []*worker{w}
	b.Cleanup(w.finish)
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

// BenchmarkRequestKeepAlive is the round-trip hot path: write, read the
// echo, record. It must not allocate.
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
