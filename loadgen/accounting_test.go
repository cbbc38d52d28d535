package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/report"
)

// silentServer accepts TCP connections and reads from them, but never
// answers: a hung server (or a port that speaks another protocol).
func silentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return testsupport.Drain(t, ln)
}

// accountingServer is a way the target behaves during a run: it returns
// the target, and a function run once the Runner is set up (after the
// preflight), when the load starts.
type accountingServer struct {
	name  string
	start func(t *testing.T, proto Protocol) (target string, atRun func())
}

func echoFor(t *testing.T, proto Protocol, mutate func(*echo.Config)) *echo.Server {
	return echotest.Start(t, func(c *echo.Config) {
		c.Protocol = proto
		if mutate != nil {
			mutate(c)
		}
	})
}

var accountingServers = []accountingServer{
	{"answers", func(t *testing.T, p Protocol) (string, func()) {
		return echoFor(t, p, nil).Addr().String(), func() {}
	}},
	{"delays", func(t *testing.T, p Protocol) (string, func()) {
		return echoFor(t, p, func(c *echo.Config) { c.Delay = 20 * time.Millisecond }).Addr().String(), func() {}
	}},
	{"refuses", func(t *testing.T, p Protocol) (string, func()) {
		srv := echoFor(t, p, nil)
		return srv.Addr().String(), func() { srv.Close() }
	}},
	{"dies mid-run", func(t *testing.T, p Protocol) (string, func()) {
		srv := echoFor(t, p, nil)
		return srv.Addr().String(), func() { time.AfterFunc(50*time.Millisecond, func() { srv.Close() }) }
	}},
	{"never answers", func(t *testing.T, p Protocol) (string, func()) {
		if p == ProtocolUDP {
			return fakeUDP(t, afterPreflight(func([]byte) []byte { return nil })), func() {}
		}
		return silentServer(t), func() {}
	}},
}

// TestEveryRequestAccounted runs every protocol and mode, in closed and
// open loop, against servers that answer, delay, refuse, die mid-run and
// never answer (over a hundred short runs), and checks in each that every
// request is accounted for: started = ok + failed + incomplete, and in an
// open loop scheduled = started + unsent = the sends due in the run.
func TestEveryRequestAccounted(t *testing.T) {
	modes := map[Protocol][]Mode{
		ProtocolTCP:  {ModeNew, ModePool, ModeKeepAlive},
		ProtocolUDP:  {ModeNew, ModePool, ModeKeepAlive},
		ProtocolHTTP: {ModeNew, ModeKeepAlive},
	}
	loops := []struct {
		name        string
		rate        float64
		concurrency int
		requests    int64
	}{
		{"closed c=1", 0, 1, 0},
		{"closed c=8 n=60", 0, 8, 60},
		{"open 400/s c=8", 400, 8, 0},
	}
	runs := 0
	for _, srv := range accountingServers {
		for _, proto := range []Protocol{ProtocolTCP, ProtocolUDP, ProtocolHTTP} {
			for _, mode := range modes[proto] {
				for _, loop := range loops {
					for _, engine := range engines(proto) {
						runs++
						name := fmt.Sprintf("%s/%s/%s/%s%s", srv.name, proto, mode, loop.name, engine.name)
						t.Run(name, func(t *testing.T) {
							t.Parallel()
							target, atRun := srv.start(t, proto)
							cfg := testConfig(target)
							cfg.Protocol, cfg.Mode, cfg.Concurrency = proto, mode, loop.concurrency
							cfg.Rate, cfg.Requests = loop.rate, loop.requests
							cfg.Duration, cfg.Timeout, cfg.Interval = 150*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond
							checkAccountedRun(t, cfg, atRun, engine.opts...)
						})
					}
				}
			}
		}
	}
	if runs < 100 {
		t.Errorf("%d runs, want at least 100", runs)
	}
}

// engine is a way to carry a run's requests, for tests that run both.
type engine struct {
	name string // appended to a test's name
	opts []Option
}

// engines are the engines a protocol's runs may take: TCP's closed loops
// run on event loops where the platform has them, and on goroutines.
func engines(p Protocol) []engine {
	if p == ProtocolTCP {
		return []engine{{"", nil}, {"/goroutines", []Option{withGoroutines()}}}
	}
	return []engine{{"", nil}}
}

// checkAccountedRun runs cfg (atRun once it is set up) and checks its
// accounting.
func checkAccountedRun(t *testing.T, cfg Config, atRun func(), opts ...Option) {
	t.Helper()
	r, err := New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	atRun()
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, res)
	// No count is asserted but the identity: on a busy machine a 150 ms
	// run may start nothing at all (and then says so), which is right.
	tot := res.Totals
	if cfg.Rate > 0 && res.StopReason == report.StopDuration {
		want := cfg.Rate * cfg.Duration.Seconds()
		if math.Abs(float64(tot.RequestsScheduled)-want) > 1 {
			t.Errorf("scheduled %d, want rate x duration = %g (+-1)", tot.RequestsScheduled, want)
		}
	}
	if cfg.Requests > 0 && tot.RequestsStarted > cfg.Requests {
		t.Errorf("started %d of a run bounded to %d requests", tot.RequestsStarted, cfg.Requests)
	}
	var status int64
	for _, n := range res.Status {
		status += n
	}
	if status > tot.RequestsOK+tot.RequestsFailed {
		t.Errorf("%d HTTP responses counted, more than the %d requests that ended", status, tot.RequestsOK+tot.RequestsFailed)
	}
}

// TestNeverAnsweringServerIsIncomplete: a closed loop against a server
// that accepts and never answers, with a timeout longer than the run,
// ends with every request started and none answered, all incomplete and
// said so, not "0 ok, 0 failed".
func TestNeverAnsweringServerIsIncomplete(t *testing.T) {
	for _, proto := range []Protocol{ProtocolTCP, ProtocolHTTP} {
		t.Run(string(proto), func(t *testing.T) {
			cfg := testConfig(silentServer(t))
			cfg.Protocol, cfg.Mode, cfg.Concurrency, cfg.Duration = proto, ModeKeepAlive, 4, 200*time.Millisecond
			cfg.Timeout = time.Minute
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			tot := res.Totals
			if tot.RequestsStarted != 4 || tot.RequestsIncomplete != 4 || tot.RequestsOK+tot.RequestsFailed != 0 {
				t.Errorf("totals %+v, want 4 started, 4 incomplete (one per worker), none ok or failed", tot)
			}
			if len(res.Notes) == 0 {
				t.Errorf("no note says why no request completed")
			}
			// The window ends at the deadline; the grace the requests in
			// flight were given (min(timeout, maxGrace)) is wind-down.
			if res.ElapsedS != cfg.Duration.Seconds() || res.WindDownS < maxGrace.Seconds() {
				t.Errorf("elapsed %gs, wind-down %gs; want %gs and at least the %s grace",
					res.ElapsedS, res.WindDownS, cfg.Duration.Seconds(), maxGrace)
			}
			checkConsistent(t, res)
		})
	}
}

// TestCancelAbortsBlockedReads: every worker is blocked in a read with a
// minute's timeout when the caller cancels; the stopper must abort them,
// so that the run returns (long before the timeout) with each of those
// requests incomplete. Without the stopper Run would wait out the timeout.
func TestCancelAbortsBlockedReads(t *testing.T) {
	targets := map[Protocol]string{
		ProtocolTCP:  silentServer(t),
		ProtocolHTTP: silentServer(t),
		ProtocolUDP:  fakeUDP(t, afterPreflight(func([]byte) []byte { return nil })),
	}
	for proto, target := range targets {
		t.Run(string(proto), func(t *testing.T) {
			cfg := testConfig(target)
			cfg.Protocol, cfg.Mode, cfg.Concurrency, cfg.Timeout = proto, ModeKeepAlive, 3, time.Minute
			r, err := New(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			type ran struct {
				res *report.Result
				err error
			}
			done := make(chan ran, 1)
			go func() {
				res, err := r.Run(ctx)
				done <- ran{res, err}
			}()
			var got ran
			select {
			case got = <-done:
			case <-time.After(30 * time.Second): // a guard, far below the timeout
				t.Fatal("Run did not return at cancel: blocked reads were not aborted")
			}
			if !errors.Is(got.err, context.Canceled) || got.res == nil || !got.res.Interrupted {
				t.Fatalf("Run = %+v, %v; want an interrupted partial result", got.res, got.err)
			}
			tot := got.res.Totals
			if tot.RequestsStarted != 3 || tot.RequestsIncomplete != 3 || tot.RequestsFailed != 0 {
				t.Errorf("totals %+v; want the 3 blocked requests incomplete, none failed", tot)
			}
			checkAccounted(t, got.res)
		})
	}
}

// TestErrorClassesInReportOrder: the engine's class constants follow the
// one list of names, report.ErrorClasses.
func TestErrorClassesInReportOrder(t *testing.T) {
	names := report.ErrorClasses()
	if len(names) != int(numClasses) {
		t.Fatalf("report.ErrorClasses has %d names, the engine %d classes", len(names), numClasses)
	}
	want := map[ErrorClass]string{
		ClassAddrNotAvail: "EADDRNOTAVAIL", ClassAgain: "EAGAIN", ClassConnRefused: "ECONNREFUSED",
		ClassTimeout: "timeout", ClassShortRead: "short_read", ClassHTTP4xx: "http_4xx",
		ClassHTTP5xx: "http_5xx", ClassOther: "other",
	}
	for c, name := range want {
		if c.String() != name {
			t.Errorf("class %d is %q, want %q", c, c.String(), name)
		}
	}
}
