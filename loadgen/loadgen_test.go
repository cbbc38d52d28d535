package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/report"
)

func testConfig(target string) Config {
	cfg := DefaultConfig()
	cfg.Target = target
	cfg.Duration = 20 * time.Second // bounds by count in these tests
	return cfg
}

// TestConnectionsPerMode checks every mode over TCP and UDP, where a
// connected UDP socket plays the connection.
func TestConnectionsPerMode(t *testing.T) {
	servers := map[Protocol]*echo.Server{ProtocolTCP: echotest.Start(t, nil), ProtocolUDP: startUDPEcho(t)}
	tests := []struct {
		name               string
		mode               Mode
		concurrency        int
		poolSize           int
		perConn            int
		hold               bool // UDP only
		requests           int64
		minConns, maxConns int64
	}{
		{"new opens one per request", ModeNew, 4, 0, 0, false, 300, 300, 300},
		{"new holding its sockets", ModeNew, 4, 0, 0, true, 300, 300, 300},
		{"pool never exceeds its size", ModePool, 8, 3, 0, false, 300, 1, 3},
		{"pool defaults to concurrency", ModePool, 5, 0, 0, false, 300, 1, 5},
		{"keepalive K=7 single worker", ModeKeepAlive, 1, 0, 7, false, 100, 15, 15},  // ceil(100/7)
		{"keepalive K=10 four workers", ModeKeepAlive, 4, 0, 10, false, 400, 40, 44}, // ceil per worker
		{"keepalive unlimited", ModeKeepAlive, 6, 0, 0, false, 600, 6, 6},
	}
	for _, proto := range []Protocol{ProtocolTCP, ProtocolUDP} {
		for _, tt := range tests {
			if tt.hold && proto != ProtocolUDP {
				continue
			}
			t.Run(string(proto)+"/"+tt.name, func(t *testing.T) {
				cfg := testConfig(servers[proto].Addr().String())
				cfg.Protocol, cfg.Mode, cfg.Concurrency, cfg.PoolSize, cfg.RequestsPerConn, cfg.Hold, cfg.Requests =
					proto, tt.mode, tt.concurrency, tt.poolSize, tt.perConn, tt.hold, tt.requests
				res, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				if got := res.Totals.RequestsOK; got != tt.requests {
					t.Errorf("requests_ok = %d, want %d (errors %v)", got, tt.requests, res.Errors)
				}
				if got := res.Totals.ConnectionsOpened; got < tt.minConns || got > tt.maxConns {
					t.Errorf("connections_opened = %d, want %d..%d", got, tt.minConns, tt.maxConns)
				}
				if res.StopReason != report.StopRequests {
					t.Errorf("stop_reason = %q, want requests", res.StopReason)
				}
				checkConsistent(t, res)
			})
		}
	}
}

// checkAccounted checks that every request the run meant to send is
// accounted for, and that the measured window is within the run.
func checkAccounted(t *testing.T, res *report.Result) {
	t.Helper()
	tot := res.Totals
	if tot.RequestsStarted != tot.RequestsOK+tot.RequestsFailed+tot.RequestsIncomplete {
		t.Errorf("started %d != ok %d + failed %d + incomplete %d", tot.RequestsStarted,
			tot.RequestsOK, tot.RequestsFailed, tot.RequestsIncomplete)
	}
	if res.Config.Load.Rate > 0 {
		if tot.RequestsScheduled != tot.RequestsStarted+tot.RequestsUnsent {
			t.Errorf("scheduled %d != started %d + unsent %d", tot.RequestsScheduled, tot.RequestsStarted, tot.RequestsUnsent)
		}
	} else if tot.RequestsScheduled != 0 || tot.RequestsUnsent != 0 {
		t.Errorf("closed loop: scheduled %d, unsent %d; want 0, 0", tot.RequestsScheduled, tot.RequestsUnsent)
	}
	if max := res.Config.Load.Duration.Seconds(); res.ElapsedS > max || res.ElapsedS < 0 || res.WindDownS < 0 {
		t.Errorf("elapsed %gs, wind-down %gs: want the window within the %gs run", res.ElapsedS, res.WindDownS, max)
	}
	if n := len(res.Timeline); n == 0 || res.Timeline[n-1].TS != res.ElapsedS {
		t.Errorf("timeline of %d rows does not end at the window's end %g", n, res.ElapsedS)
	}
}

// checkConsistent checks the invariants every result must keep.
func checkConsistent(t *testing.T, res *report.Result) {
	t.Helper()
	checkAccounted(t, res)
	if got, want := res.Latency.Total.Count, res.Totals.RequestsOK; got != want {
		t.Errorf("latency.total.count = %d, want requests_ok %d", got, want)
	}
	if got, want := res.Latency.Connect.Count, res.Totals.ConnectionsOpened; got != want {
		t.Errorf("latency.connect.count = %d, want connections_opened %d", got, want)
	}
	var ok, conns, failed int64
	for _, iv := range res.Timeline {
		ok += iv.RequestsOK
		conns += iv.ConnectionsOpened
		for _, n := range iv.Errors {
			failed += n
		}
	}
	if ok != res.Totals.RequestsOK || conns != res.Totals.ConnectionsOpened || failed != res.Totals.RequestsFailed {
		t.Errorf("timeline sums ok=%d conns=%d failed=%d, totals %+v", ok, conns, failed, res.Totals)
	}
	var errs int64
	for _, n := range res.Errors {
		errs += n
	}
	if errs != res.Totals.RequestsFailed {
		t.Errorf("errors sum %d != requests_failed %d", errs, res.Totals.RequestsFailed)
	}
	if want := res.Totals.RequestsOK * int64(res.Config.Payload); res.Totals.BytesReceived < want {
		t.Errorf("bytes_received = %d, want >= %d", res.Totals.BytesReceived, want)
	}
	h, err := res.Latency.Total.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != res.Latency.Total.Count {
		t.Errorf("decoded hdr count %d != %d", h.TotalCount(), res.Latency.Total.Count)
	}
}

// TestOpenLoopSendsAtTheRate: an open loop schedules rate x duration
// sends, one global schedule for every worker, and accounts for each:
// started or unsent. Bounded by a count, it schedules that many.
func TestOpenLoopSendsAtTheRate(t *testing.T) {
	srv := echotest.Start(t, nil)
	t.Run("duration", func(t *testing.T) {
		cfg := testConfig(srv.Addr().String())
		cfg.Rate, cfg.Duration, cfg.Concurrency = 400, 300*time.Millisecond, 8
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		tot := res.Totals
		if tot.RequestsScheduled < 119 || tot.RequestsScheduled > 121 {
			t.Errorf("scheduled %d, want rate x duration = 120 (+-1)", tot.RequestsScheduled)
		}
		if tot.RequestsStarted+tot.RequestsUnsent != tot.RequestsScheduled {
			t.Errorf("started %d + unsent %d != scheduled %d", tot.RequestsStarted, tot.RequestsUnsent, tot.RequestsScheduled)
		}
		if res.StopReason != report.StopDuration {
			t.Errorf("stop %q, want duration", res.StopReason)
		}
		checkConsistent(t, res)
	})
	t.Run("requests", func(t *testing.T) {
		cfg := testConfig(srv.Addr().String())
		cfg.Rate, cfg.Requests, cfg.Concurrency = 400, 200, 8
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		tot := res.Totals
		if tot.RequestsScheduled != 200 || tot.RequestsStarted != 200 || tot.RequestsUnsent != 0 {
			t.Errorf("scheduled %d, started %d, unsent %d; want 200, 200, 0", tot.RequestsScheduled, tot.RequestsStarted, tot.RequestsUnsent)
		}
		if tot.RequestsOK != 200 || res.StopReason != report.StopRequests {
			t.Errorf("requests_ok = %d, stop %q; want 200, requests", tot.RequestsOK, res.StopReason)
		}
		checkConsistent(t, res)
	})
}

// closedAddr returns a loopback address nothing listens on: it did a
// moment ago.
func closedAddr(t testing.TB, network string) string {
	t.Helper()
	var c io.Closer
	var addr string
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, addr = pc, pc.LocalAddr().String()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, addr = ln, ln.Addr().String()
	}
	c.Close()
	return addr
}

func TestUnreachableTargetFailsBeforeLoad(t *testing.T) {
	for _, proto := range []Protocol{ProtocolTCP, ProtocolHTTP, ProtocolUDP} {
		network := "tcp"
		if proto == ProtocolUDP {
			network = "udp" // refused by the ICMP error that answers the preflight datagram
		}
		cfg := testConfig(closedAddr(t, network))
		cfg.Protocol = proto
		res, err := Run(context.Background(), cfg)
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: err = %v, want ErrUnreachable wrapping ECONNREFUSED", proto, err)
		}
		if res != nil {
			t.Errorf("%s: result = %+v, want nil", proto, res)
		}
	}
}

func TestDyingServerStillYieldsResult(t *testing.T) {
	srv := echotest.Start(t, nil)
	cfg := testConfig(srv.Addr().String())
	cfg.Duration, cfg.Concurrency = 700*time.Millisecond, 4
	time.AfterFunc(200*time.Millisecond, func() { srv.Close() })
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.RequestsOK == 0 {
		t.Error("no request succeeded before the server died")
	}
	if res.Errors["ECONNREFUSED"] == 0 {
		t.Errorf("errors = %v, want ECONNREFUSED after the server closed", res.Errors)
	}
	if _, ok := res.Onset["ECONNREFUSED"]; !ok {
		t.Errorf("onset = %v, want an ECONNREFUSED onset", res.Onset)
	}
	checkConsistent(t, res)
}

// TestCancelReturnsPartialResult: a cancelled run returns what it
// measured with the context's error, and the requests cut short are
// incomplete, not failures. (TestCancelAbortsBlockedReads checks that the
// stop aborts them.)
func TestCancelReturnsPartialResult(t *testing.T) {
	srv := echotest.Start(t, func(c *echo.Config) { c.Delay = 50 * time.Millisecond })
	cfg := testConfig(srv.Addr().String())
	cfg.Mode, cfg.Concurrency = ModeKeepAlive, 4
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, cfg)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
	if res == nil || !res.Interrupted || res.StopReason != report.StopSignal {
		t.Fatalf("result = %+v, want an interrupted partial result", res)
	}
	if res.Totals.RequestsFailed != 0 {
		t.Errorf("requests cut by the stop counted as failures: %v", res.Errors)
	}
	if n := res.Totals.RequestsIncomplete; n > int64(cfg.Concurrency) {
		t.Errorf("%d incomplete, more than the %d workers had in flight", n, cfg.Concurrency)
	}
	checkConsistent(t, res)
}

func TestClassify(t *testing.T) {
	opErr := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}
	tests := []struct {
		err  error
		want ErrorClass
	}{
		{opErr("connect", syscall.EADDRNOTAVAIL), ClassAddrNotAvail},
		{opErr("bind", syscall.EADDRINUSE), ClassAddrInUse},
		{opErr("connect", syscall.ECONNREFUSED), ClassConnRefused},
		{opErr("read", syscall.ECONNRESET), ClassConnReset},
		{opErr("write", syscall.EPIPE), ClassConnReset},
		{opErr("connect", syscall.ETIMEDOUT), ClassTimedOut},
		{opErr("socket", syscall.EMFILE), ClassNoFiles},
		{opErr("socket", syscall.ENFILE), ClassNoFiles},
		{opErr("connect", syscall.ENOBUFS), ClassNoBufs},
		{&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, ClassTimeout},
		{context.DeadlineExceeded, ClassTimeout},
		{errors.New("unexpected EOF wrapped: " + "x"), ClassOther},
		{opErr("connect", syscall.EACCES), ClassOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestClassifyRealRefusedDial(t *testing.T) {
	_, err := net.Dial("tcp", closedAddr(t, "tcp"))
	if got := Classify(err); got != ClassConnRefused {
		t.Errorf("Classify(%v) = %s, want ECONNREFUSED", err, got)
	}
}

func TestShortReadWhenServerClosesEarly(t *testing.T) {
	// A server that reads the whole request but answers only part of it
	// before closing makes the client's read end early: short_read.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := testsupport.Serve(t, ln, func(c net.Conn) {
		buf := make([]byte, 32)
		if _, err := io.ReadFull(c, buf); err == nil {
			c.Write(buf[:8])
		}
	})
	cfg := testConfig(target)
	cfg.Payload, cfg.Requests, cfg.Concurrency = 32, 50, 1
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Errors["short_read"]; got != 50 {
		t.Errorf("errors = %v, want 50 short_read", res.Errors)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	tests := []struct {
		mutate func(*Config)
		field  string
	}{
		{func(c *Config) { c.Target = "" }, "target"},
		{func(c *Config) { c.Target = "nohostport" }, "target"},
		{func(c *Config) { c.Mode = "bogus" }, "mode"},
		{func(c *Config) { c.Concurrency = 0 }, "concurrency"},
		{func(c *Config) { c.PoolSize = 4 }, "pool-size"},
		{func(c *Config) { c.RequestsPerConn = 4 }, "requests-per-conn"},
		{func(c *Config) { c.Rate = -1 }, "rate"},
		{func(c *Config) { c.Duration = 0 }, "duration"},
		{func(c *Config) { c.Requests = -1 }, "requests"},
		{func(c *Config) { c.Payload = 0 }, "payload"},
		{func(c *Config) { c.ConnectTimeout = 0 }, "connect-timeout"},
		{func(c *Config) { c.Timeout = 0 }, "timeout"},
		{func(c *Config) { c.Linger = -2 }, "linger"},
		{func(c *Config) { c.Interval = time.Millisecond }, "interval"},
		{func(c *Config) { c.SourceIPs = []string{"x"} }, "source-ips"},
	}
	for _, tt := range tests {
		cfg := testConfig("127.0.0.1:7777")
		tt.mutate(&cfg)
		err := cfg.Validate()
		if err == nil || !hasPrefix(err.Error(), tt.field+":") {
			t.Errorf("Validate() = %v, want an error starting %q", err, tt.field+":")
		}
	}
	cfg := testConfig("127.0.0.1:7777")
	if err := cfg.Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func TestSeveralDestinationsTakeTurns(t *testing.T) {
	a, b := echotest.Start(t, nil), echotest.Start(t, nil)
	cfg := testConfig(a.Addr().String() + "," + b.Addr().String())
	cfg.Requests, cfg.Concurrency, cfg.Linger = 200, 1, 0
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// One preflight connection each, then 100 requests each.
	if sa, sb := a.Stats().Accepted, b.Stats().Accepted; sa != 101 || sb != 101 {
		t.Errorf("accepted %d and %d, want 101 each (the preflight and every other request)", sa, sb)
	}
	if res.Target != cfg.Target {
		t.Errorf("target %q, want %q", res.Target, cfg.Target)
	}
	cfg.Target += ",nohostport"
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "target:") {
		t.Errorf("Validate = %v, want a target error", err)
	}
}
