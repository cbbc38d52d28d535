package loadgen

import (
	"bytes"
	"context"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/report"
)

// TestLoopEligibility: TCP's closed loops with a connection per request
// or per worker run on event loops; the rest stays on goroutines.
func TestLoopEligibility(t *testing.T) {
	tcp := echotest.Start(t, nil).Addr().String()
	udp := startUDPEcho(t).Addr().String()
	cases := []struct {
		name   string
		mutate func(*Config)
		opts   []Option
		loops  bool
	}{
		{"new", func(c *Config) { c.Mode = ModeNew }, nil, true},
		{"keepalive", func(c *Config) { c.Mode = ModeKeepAlive }, nil, true},
		{"pool", func(c *Config) { c.Mode = ModePool }, nil, false},
		{"open loop", func(c *Config) { c.Rate = 100 }, nil, false},
		{"udp", func(c *Config) { c.Protocol, c.Target = ProtocolUDP, udp }, nil, false},
		{"asked for goroutines", nil, []Option{withGoroutines()}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tcp)
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			r, err := New(context.Background(), cfg, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			r.proto.close()
			if r.loops != tc.loops {
				t.Errorf("loops = %v, want %v", r.loops, tc.loops)
			}
		})
	}
}

// TestLoopsCountLikeGoroutines runs the same count-bound loads on both
// engines, and wants the same totals and error classes from each.
func TestLoopsCountLikeGoroutines(t *testing.T) {
	answers := echotest.Start(t, nil).Addr().String()
	closes := echotest.Start(t, func(c *echo.Config) { c.Close = echo.CloseServer }).Addr().String()
	second := echotest.Start(t, nil).Addr().String()
	cases := []struct {
		name   string
		target string
		mutate func(*Config)
	}{
		{"new", answers, func(c *Config) { c.Mode = ModeNew }},
		{"new linger 0", answers, func(c *Config) { c.Mode, c.Linger = ModeNew, 0 }},
		{"new server closes", closes, func(c *Config) { c.Mode, c.AwaitClose = ModeNew, true }},
		{"keepalive", answers, func(c *Config) { c.Mode = ModeKeepAlive }},
		{"keepalive 3 per connection", answers, func(c *Config) {
			// One worker: how many connections eight would open depends on
			// how the requests fall among them.
			c.Mode, c.RequestsPerConn, c.Concurrency = ModeKeepAlive, 3, 1
		}},
		{"two destinations", answers, func(c *Config) { c.Mode, c.Target = ModeNew, answers+","+second }},
		{"source address", answers, func(c *Config) { c.Mode, c.SourceIPs = ModeNew, []string{"127.0.0.1"} }},
		{"large payload", answers, func(c *Config) { c.Mode, c.Payload = ModeKeepAlive, 1<<20 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.target)
			cfg.Concurrency, cfg.Requests = 8, 300
			tc.mutate(&cfg)
			if cfg.Payload > 1<<16 {
				cfg.Requests = 40
			}
			loops := runEngine(t, cfg)
			goroutines := runEngine(t, cfg, withGoroutines())
			checkConsistent(t, loops)
			if got, want := loops.Totals, goroutines.Totals; got != want {
				t.Errorf("event loops' totals %+v, goroutines' %+v", got, want)
			}
			if got, want := loops.Errors, goroutines.Errors; len(got) != len(want) {
				t.Errorf("event loops' errors %v, goroutines' %v", got, want)
			} else {
				for c, n := range want {
					if got[c] != n {
						t.Errorf("event loops' errors %v, goroutines' %v", got, want)
					}
				}
			}
			if loops.Totals.RequestsStarted != cfg.Requests {
				t.Errorf("started %d, want %d", loops.Totals.RequestsStarted, cfg.Requests)
			}
		})
	}
}

// runEngine runs cfg and checks that it ran on the engine asked for.
func runEngine(t *testing.T, cfg Config, opts ...Option) *report.Result {
	t.Helper()
	r, err := New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(opts) == 0; r.loops != want {
		t.Fatalf("loops = %v, want %v", r.loops, want)
	}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLoopsFailLikeGoroutines: the failures a target can cause get the
// same classes on both engines.
func TestLoopsFailLikeGoroutines(t *testing.T) {
	cases := []struct {
		name       string
		target     func(t *testing.T) (addr string, atRun func())
		awaitClose bool
		want       ErrorClass
	}{
		{"refused", func(t *testing.T) (string, func()) {
			srv := echotest.Start(t, nil)
			return srv.Addr().String(), func() { srv.Close() }
		}, false, ClassConnRefused},
		{"closes before answering", func(t *testing.T) (string, func()) {
			return closingServer(t), func() {}
		}, false, ClassShortRead},
		{"never answers", func(t *testing.T) (string, func()) {
			return silentServer(t), func() {}
		}, false, ClassTimeout},
		{"never closes", func(t *testing.T) (string, func()) {
			return echotest.Start(t, nil).Addr().String(), func() {}
		}, true, ClassTimeout},
	}
	for _, tc := range cases {
		for _, e := range engines(ProtocolTCP) {
			t.Run(tc.name+e.name, func(t *testing.T) {
				addr, atRun := tc.target(t)
				cfg := testConfig(addr)
				cfg.Mode, cfg.Concurrency, cfg.Requests = ModeNew, 4, 20
				cfg.Timeout, cfg.AwaitClose = 50*time.Millisecond, tc.awaitClose
				r, err := New(context.Background(), cfg, e.opts...)
				if err != nil {
					t.Fatal(err)
				}
				atRun()
				res, err := r.Run(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				checkConsistent(t, res)
				tot := res.Totals
				if tot.RequestsStarted != 20 || tot.RequestsFailed != 20 {
					t.Errorf("%d started, %d failed; want 20 and 20", tot.RequestsStarted, tot.RequestsFailed)
				}
				if n := res.Errors[tc.want.String()]; n != 20 {
					t.Errorf("errors %v, want 20 %s", res.Errors, tc.want)
				}
			})
		}
	}
}

// closingServer accepts TCP connections, reads a request of the default
// payload and closes without answering: a FIN, not a reset, since it read
// everything.
func closingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				io.ReadFull(c, make([]byte, DefaultConfig().Payload))
			}()
		}
	}()
	return ln.Addr().String()
}

// TestLoopsKeepNoGoroutinePerWorker: a keep-alive run of 500 workers on
// event loops runs a handful of goroutines of its own, not one per worker
// (which the goroutine engine does, and so fails this).
func TestLoopsKeepNoGoroutinePerWorker(t *testing.T) {
	for _, e := range engines(ProtocolTCP) {
		t.Run("engine"+e.name, func(t *testing.T) {
			cfg := testConfig(echotest.Start(t, nil).Addr().String())
			cfg.Mode, cfg.Concurrency, cfg.Requests = ModeKeepAlive, 500, 20000
			r, err := New(context.Background(), cfg, e.opts...)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				if _, err := r.Run(context.Background()); err != nil {
					t.Error(err)
				}
			}()
			most := 0
			for sampling := true; sampling; {
				select {
				case <-done:
					sampling = false
				case <-time.After(5 * time.Millisecond):
					most = max(most, engineGoroutines())
				}
			}
			if loops := e.opts == nil; loops && most > 50 {
				t.Errorf("up to %d goroutines in the engine during the run, want at most 50 for 500 workers", most)
			} else if !loops && most < 500 {
				t.Errorf("up to %d goroutines in the engine during the run, want one per worker", most)
			}
		})
	}
}

// engineGoroutines counts the goroutines running the engine's code (the
// echo server's, in this process too, are not).
func engineGoroutines() int {
	buf := make([]byte, 1<<24)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("portlab/loadgen.(*")) {
			n++
		}
	}
	return n
}

// TestSpareProcRestores: runs overlapping in one process share one spare
// P, and GOMAXPROCS is back where it was once the last ends, whatever the
// order they end in.
func TestSpareProcRestores(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	undoA := spareProc()
	undoB := spareProc()
	if got := runtime.GOMAXPROCS(0); got != procs+1 {
		t.Errorf("GOMAXPROCS %d during two runs, want %d", got, procs+1)
	}
	undoA()
	if got := runtime.GOMAXPROCS(0); got != procs+1 {
		t.Errorf("GOMAXPROCS %d while one run is left, want %d", got, procs+1)
	}
	undoB()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS %d after the runs, want %d", got, procs)
	}
}

// benchLoops runs b.N requests on event loops, one worker, against the
// echo server in this process: the whole engine per request, set-up
// and wind-down spread over b.N.
func benchLoops(b *testing.B, mode Mode) {
	cfg := testConfig(echotest.Start(b, nil).Addr().String())
	cfg.Mode, cfg.Concurrency, cfg.Requests, cfg.Linger = mode, 1, int64(b.N), 0
	r, err := New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	res, err := r.Run(context.Background())
	b.StopTimer()
	if err != nil || res.Totals.RequestsOK != int64(b.N) {
		b.Fatalf("%d of %d ok: %v %v", res.Totals.RequestsOK, b.N, res.Errors, err)
	}
}

func BenchmarkLoopRequestKeepAlive(b *testing.B) { benchLoops(b, ModeKeepAlive) }

// BenchmarkLoopRequestNew closes with SO_LINGER 0, so that b.N
// connections leave no TIME_WAIT behind to run the ports out.
func BenchmarkLoopRequestNew(b *testing.B) { benchLoops(b, ModeNew) }
