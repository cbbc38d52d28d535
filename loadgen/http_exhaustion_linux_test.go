package loadgen

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/report"
)

// stopAtOnset makes a run in a test's namespace behave as in the host's
// when on: it stops at its first port-exhaustion error, so an exhaustion
// test ends as soon as it has shown what it must (and the host's safety
// stop is tested on the way).
func stopAtOnset(on bool) Option { return WithHostNetns(on) }

// TestHTTPExhaustionInNamespace reproduces the common HTTP cases in 1,000
// ports with tcp_tw_reuse off: Go's default Transport at concurrency 32
// keeps 2 connections idle and closes one freed while 2 sit idle, so
// client-side TIME_WAIT piles up; MaxIdleConnsPerHost = concurrency cures
// it; a body closed unread makes every request a new connection again.
func TestHTTPExhaustionInNamespace(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*Config)
		exhausts bool
	}{
		{"default transport", func(c *Config) {}, true},
		{"max-idle-per-host 32", func(c *Config) { c.MaxIdlePerHost, c.Duration = 32, 3*time.Second }, false},
		{"unread body", func(c *Config) { c.MaxIdlePerHost, c.UnreadBody, c.Payload = 32, true, 0 }, true}, // GET
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			netnstest.Run(t, smallRange, func(t *testing.T) {
				// The default Transport closes a connection freed while 2 sit
				// idle, which takes workers running in parallel: on one CPU
				// they barely do (see the http-max-idle scenario).
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
				srv := startHTTPEcho(t, func(c *echo.Config) { c.Listen = "127.0.0.1:7777" })
				cfg := httpConfig(srv.Addr().String())
				// The exhausting runs stop at onset, in about a second; the
				// bound is for a machine busy with much else.
				cfg.Concurrency, cfg.Duration = 32, time.Minute
				tt.mutate(&cfg)
				res, err := Run(context.Background(), cfg, stopAtOnset(tt.exhausts))
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d ok on %d connections, errors %v, onset %v", res.Totals.RequestsOK,
					res.Totals.ConnectionsOpened, res.Errors, res.Onset)
				onset, hit := res.Onset["EADDRNOTAVAIL"]
				if !tt.exhausts {
					if hit || res.Totals.RequestsFailed > 0 || res.Totals.RequestsOK == 0 {
						t.Errorf("errors %v, %d ok; want no failure", res.Errors, res.Totals.RequestsOK)
					}
					if n := res.Totals.ConnectionsOpened; n > 2*int64(cfg.Concurrency) {
						t.Errorf("connections_opened = %d, want about the concurrency (%d)", n, cfg.Concurrency)
					}
					return
				}
				if !hit || res.StopReason != report.StopOnset {
					t.Fatalf("no EADDRNOTAVAIL stop: stop %q, errors %v, totals %+v", res.StopReason, res.Errors, res.Totals)
				}
				// Every connection closed holds its port in TIME_WAIT, and
				// one open its own, so connect() fails once the range's
				// 1,000 are taken: by connections, counted however the stop
				// falls on their dials (see TestHTTPOnsetCountsADialCut).
				if n := onset.ConnectionsBefore; n < 1000 || n > 1000+earlyReuse {
					t.Errorf("onset after %d connections, want the range, 1000 (at most %d over: the kernel's early reuse)",
						n, earlyReuse)
				}
				// Dials the Transport still had under way when the run
				// stopped count too.
				if n := onset.ConnectionsBefore; n > res.Totals.ConnectionsOpened {
					t.Errorf("onset after %d connections, but %d opened", n, res.Totals.ConnectionsOpened)
				}
				checkConsistent(t, res)
			})
		})
	}
}

// TestHTTPOnsetCountsADialCut: a Transport dial whose connect() took a
// port before the onset counts, even when the stop's abort catches it
// waiting for its connection: the kernel connected it all the same. In a
// namespace of one port at concurrency 2, one dial takes the port and is
// held after its connect() until the run aborts it; the other's connect()
// fails. The onset comes after exactly that one connection.
func TestHTTPOnsetCountsADialCut(t *testing.T) {
	netnstest.Run(t, rangeOf(1), func(t *testing.T) {
		srv := startHTTPEcho(t, func(c *echo.Config) { c.Listen = "127.0.0.1:7777" })
		cfg := httpConfig(srv.Addr().String())
		cfg.Concurrency, cfg.Duration = 2, time.Minute
		r, err := New(context.Background(), cfg, stopAtOnset(true))
		if err != nil {
			t.Fatal(err)
		}
		var held atomic.Bool
		r.own.(*httpProtocol).afterConnect = func(aborted <-chan struct{}) {
			if held.CompareAndSwap(false, true) {
				<-aborted
			}
		}
		res, err := r.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkConsistent(t, res)
		onset, ok := res.Onset["EADDRNOTAVAIL"]
		if !ok || !held.Load() {
			t.Fatalf("no EADDRNOTAVAIL onset, or no dial held: errors %v, totals %+v", res.Errors, res.Totals)
		}
		if onset.ConnectionsBefore != 1 || res.Totals.ConnectionsOpened != 1 {
			t.Errorf("onset after %d connections, %d opened; want 1 and 1 (the range)",
				onset.ConnectionsBefore, res.Totals.ConnectionsOpened)
		}
		// The held dial's request was in flight when the run was aborted.
		if tot := res.Totals; tot.RequestsFailed != 1 || tot.RequestsIncomplete != 1 {
			t.Errorf("%d failed, %d incomplete; want 1 and 1", tot.RequestsFailed, tot.RequestsIncomplete)
		}
	})
}
