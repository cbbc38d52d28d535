package loadgen

import (
	"context"
	"runtime"
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
				// Every connection closed holds its port in TIME_WAIT, so
				// about the range's 1,000 are opened before connect() fails.
				// A dial the Transport had under way at the onset holds a
				// port too, but the stop at onset aborts it, so it never
				// counts as opened: one was seen on a loaded machine (999).
				if n := onset.ConnectionsBefore; n < 990 || n > 1050 {
					t.Errorf("onset after %d connections, want about 1000 (the range)", n)
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
