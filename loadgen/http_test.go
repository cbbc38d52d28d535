package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/report"
)

func startHTTPEcho(t testing.TB, mutate func(*echo.Config)) *echo.Server {
	return echotest.Start(t, func(c *echo.Config) {
		c.Protocol = echo.ProtocolHTTP
		if mutate != nil {
			mutate(c)
		}
	})
}

func httpConfig(target string) Config {
	cfg := testConfig(target)
	cfg.Protocol, cfg.Mode = ProtocolHTTP, ModeKeepAlive
	return cfg
}

// TestHTTPConnections checks what each client setting does to connection
// reuse, against the server's own count of the connections it accepted:
// the count is measured on both ends, not inferred.
func TestHTTPConnections(t *testing.T) {
	tests := []struct {
		name               string
		mutate             func(*Config)
		requests           int64
		minConns, maxConns int64
	}{
		{"keep-alive, one worker: one connection", func(c *Config) { c.Concurrency = 1 }, 300, 1, 1},
		// MaxConnsPerHost caps connections open at once, not those opened
		// in all: on a busy machine the Transport now and then drops one
		// and dials its replacement (seen: 4 of 3). Without the cap the 8
		// workers' first requests alone dial 8.
		{"max-conns-per-host caps the pool", func(c *Config) {
			c.Concurrency, c.MaxConnsPerHost, c.MaxIdlePerHost = 8, 3, 3
		}, 600, 1, 5},
		{"max-idle-per-host = concurrency keeps them", func(c *Config) {
			c.Concurrency, c.MaxIdlePerHost = 4, 4
		}, 600, 1, 8}, // the first requests may dial in parallel
		{"keep-alive off: one per request", func(c *Config) { c.Mode, c.Concurrency = ModeNew, 4 }, 300, 300, 300},
		{"unread body: one per request", func(c *Config) {
			c.UnreadBody, c.Concurrency, c.MaxIdlePerHost, c.Payload = true, 4, 8, 0
		}, 300, 300, 300},
		{"GET without body", func(c *Config) { c.Payload, c.Concurrency = 0, 2 }, 300, 1, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startHTTPEcho(t, nil)
			cfg := httpConfig(srv.Addr().String())
			cfg.Requests = tt.requests
			tt.mutate(&cfg)
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Totals.RequestsOK; got != tt.requests {
				t.Errorf("requests_ok = %d, want %d (errors %v)", got, tt.requests, res.Errors)
			}
			got := res.Totals.ConnectionsOpened
			t.Logf("%d requests on %d connections", res.Totals.RequestsOK, got)
			if got < tt.minConns || got > tt.maxConns {
				t.Errorf("connections_opened = %d, want %d..%d", got, tt.minConns, tt.maxConns)
			}
			// A dial still under way when the last request ended counts
			// too (TestHTTPDialUnderWayAtTheEnd).
			checkAccepted(t, srv, got)
			if res.StopReason != report.StopRequests {
				t.Errorf("stop_reason = %q, want requests", res.StopReason)
			}
			checkConsistent(t, res)
		})
	}
}

// TestHTTPDefaultTransportChurns: at concurrency 16 Go's default
// Transport (2 idle connections kept) opens more connections than the
// concurrency. The server holds the first 16 requests until all 16 are in,
// so 16 connections exist at once: at least 16 dials. How many more
// depends on scheduling; never more than one dial per request.
func TestHTTPDefaultTransportChurns(t *testing.T) {
	const c, requests = 16, 2000
	var arrived sync.WaitGroup
	arrived.Add(c)
	var first atomic.Int64
	var accepted atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if first.Add(1) <= c {
			arrived.Done()
			arrived.Wait()
		}
		w.Write(body) // an echo, as checkConsistent counts its bytes
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	cfg := httpConfig(srv.URL)
	cfg.Concurrency, cfg.Requests = c, requests
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Totals.ConnectionsOpened
	t.Logf("%d requests on %d connections", res.Totals.RequestsOK, got)
	if res.Totals.RequestsOK != requests || got < c || got > requests {
		t.Errorf("%d ok on %d connections; want %d ok on %d..%d", res.Totals.RequestsOK, got, requests, c, requests)
	}
	// The server also accepted the preflight connection. A dial still
	// under way when the last request ended counts too: wait (bounded) for
	// its accept.
	for i := 0; i < 10_000 && accepted.Load() < got+1; i++ {
		time.Sleep(time.Millisecond)
	}
	srv.Close() // waits for the connections: accepted is final
	if n := accepted.Load() - 1; n != got {
		t.Errorf("server accepted %d connections, client counted %d", n, got)
	}
	checkConsistent(t, res)
}

// TestHTTPDialUnderWayAtTheEnd: a dial the Transport still runs when the
// workers are done, for a request that got another connection first,
// gets the grace a request in flight at the stop gets: it connects and
// counts, and the server has exactly the connections the client counted.
// One of the first two dials is held before its socket until both
// workers wait at their end; its request is served on the other's
// connection meanwhile.
func TestHTTPDialUnderWayAtTheEnd(t *testing.T) {
	srv := startHTTPEcho(t, nil)
	cfg := httpConfig(srv.Addr().String())
	cfg.Concurrency, cfg.Requests = 2, 2
	r, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var held, waited atomic.Bool
	r.own.(*httpProtocol).beforeConnect = func() {
		if held.CompareAndSwap(false, true) {
			waited.Store(awaitFinishing(r, cfg.Concurrency))
		}
	}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !held.Load() || !waited.Load() {
		t.Errorf("dial held: %v; workers waited for it at their end: %v; want both", held.Load(), waited.Load())
	}
	if tot := res.Totals; tot.RequestsOK != 2 || tot.ConnectionsOpened != 2 {
		t.Errorf("%d ok on %d connections, want 2 on 2", tot.RequestsOK, tot.ConnectionsOpened)
	}
	checkAccepted(t, srv, res.Totals.ConnectionsOpened)
	checkConsistent(t, res)
}

// awaitFinishing returns true once n goroutines are in
// httpProtocol.finish: the workers at their end, waiting for the dials
// under way. It returns false once the run's I/O is aborted first, as in
// a run that does not wait for them.
func awaitFinishing(r *Runner, n int) bool {
	buf := make([]byte, 1<<20)
	for range 60_000 { // a minute, for a hang
		if r.ioCtx.Err() != nil {
			return false
		}
		if bytes.Count(buf[:runtime.Stack(buf, true)], []byte("loadgen.(*httpProtocol).finish(")) >= n {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// checkAccepted checks that srv accepted exactly the connections a run
// counted, besides the preflight's. It waits (bounded) for the accepts
// first: a connection made at the run's end may still be in the queue.
func checkAccepted(t *testing.T, srv *echo.Server, counted int64) {
	t.Helper()
	for i := 0; i < 10_000 && srv.Stats().Accepted < counted+1; i++ {
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	if got := srv.Stats().Accepted - 1; got != counted {
		t.Errorf("server accepted %d connections, client counted %d", got, counted)
	}
}

func TestHTTPResultDescribesTheRun(t *testing.T) {
	srv := startHTTPEcho(t, nil)
	cfg := httpConfig("http://" + srv.Addr().String() + "/some/path?q=1")
	cfg.Requests, cfg.Concurrency, cfg.Payload = 50, 2, 100
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://" + srv.Addr().String() + "/some/path?q=1"; res.Target != want {
		t.Errorf("target = %q, want %q", res.Target, want)
	}
	if want := "http POST, keep-alive, MaxIdleConnsPerHost 2 (Go's default), concurrency 2"; res.Strategy != want {
		t.Errorf("strategy = %q, want %q", res.Strategy, want)
	}
	if res.Totals.BytesSent != 5000 || res.Totals.BytesReceived != 5000 {
		t.Errorf("bytes sent/received = %d/%d, want 5000/5000 (bodies)", res.Totals.BytesSent, res.Totals.BytesReceived)
	}
}

// TestClassifyHTTPErrors checks that the errno survives net/http's
// wrapping: *url.Error around *net.OpError around the errno.
func TestClassifyHTTPErrors(t *testing.T) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, refused := (&http.Client{Transport: tr}).Get("http://" + closedAddr(t, "tcp") + "/")
	urlErr := func(errno syscall.Errno) error {
		return &url.Error{Op: "Post", URL: "http://127.0.0.1:7777/", Err: &net.OpError{
			Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}}
	}
	tests := []struct {
		err  error
		want ErrorClass
	}{
		{refused, ClassConnRefused},
		{urlErr(syscall.EADDRNOTAVAIL), ClassAddrNotAvail},
		{urlErr(syscall.EADDRINUSE), ClassAddrInUse},
		{urlErr(syscall.EAGAIN), ClassAgain},
		{&url.Error{Op: "Get", URL: "x", Err: context.DeadlineExceeded}, ClassTimeout},
		{errStatus(500), ClassHTTP5xx},
		{errStatus(599), ClassHTTP5xx},
		{errStatus(400), ClassHTTP4xx},
		{errStatus(404), ClassHTTP4xx},
		{errStatus(302), ClassOther},
		{errStatus(101), ClassOther},
		{fmt.Errorf("wrapped: %w", errStatus(501)), ClassHTTP5xx},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// BenchmarkHTTPKeepAlive compares the engine's HTTP keep-alive load with a
// plain net/http client loop (the same workers and Transport settings,
// nothing measured) on the same server:
//
//	go test -run '^$' -bench HTTPKeepAlive -benchtime 100000x ./loadgen
//
// Each op is one request by each; they alternate in rounds, so both see the
// same machine. ratio is engine req/s over plain req/s: it should be at
// least 0.8.
func BenchmarkHTTPKeepAlive(b *testing.B) {
	const workers, round = 4, 5000
	srv := startHTTPEcho(b, nil)
	target := "http://" + srv.Addr().String() + "/"
	payload := make([]byte, 32)
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	plain := func(n int) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for next.Add(1) <= int64(n) {
					resp, err := client.Post(target, "application/octet-stream", bytes.NewReader(payload))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		wg.Wait()
	}
	engine := func(n int) {
		cfg := httpConfig(target)
		cfg.MaxIdlePerHost, cfg.Concurrency, cfg.Requests = workers, workers, int64(n)
		res, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if res.Totals.RequestsOK != int64(n) {
			b.Fatalf("%d ok, errors %v", res.Totals.RequestsOK, res.Errors)
		}
	}
	var plainT, engineT time.Duration
	for done := 0; done < b.N; done += round {
		n := min(round, b.N-done)
		t0 := time.Now()
		plain(n)
		t1 := time.Now()
		engine(n)
		plainT, engineT = plainT+t1.Sub(t0), engineT+time.Since(t1)
	}
	b.ReportMetric(float64(b.N)/plainT.Seconds(), "plain-req/s")
	b.ReportMetric(float64(b.N)/engineT.Seconds(), "portlab-req/s")
	b.ReportMetric(plainT.Seconds()/engineT.Seconds(), "ratio")
}
