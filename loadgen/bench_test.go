package loadgen

import (
	"context"
	"net"
	"testing"
	"time"
)

// benchWorker returns a worker of a Runner made by New against a loopback
// echo server, its run begun but with no worker loop running, so a
// benchmark times the per-request path alone.
func benchWorker(b *testing.B, mutate func(*Config)) (*worker, context.Context) {
	srv := startEcho(b, nil)
	cfg := testConfig(srv.Addr().String())
	cfg.Duration, cfg.Concurrency = time.Hour, 1
	if mutate != nil {
		mutate(&cfg)
	}
	r, err := New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, end := r.begin(context.Background())
	w := r.workers[0]
	b.Cleanup(func() {
		w.finish()
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
