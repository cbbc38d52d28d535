package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
)

func startUDPEcho(t testing.TB) *echo.Server {
	return echotest.Start(t, func(c *echo.Config) { c.Protocol = echo.ProtocolUDP })
}

func udpConfig(target string) Config {
	cfg := testConfig(target)
	cfg.Protocol = ProtocolUDP
	return cfg
}

// fakeUDP answers the first datagram (the preflight) with reply(1) and
// every later one with reply(n).
func fakeUDP(t *testing.T, reply func(n int64, req []byte) []byte) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		var n atomic.Int64
		for {
			k, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := reply(n.Add(1), buf[:k]); out != nil {
				pc.WriteTo(out, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// afterPreflight answers the preflight's datagram with its echo and every
// later one with later(req).
func afterPreflight(later func(req []byte) []byte) func(n int64, req []byte) []byte {
	return func(n int64, req []byte) []byte {
		if n == 1 {
			return req
		}
		return later(req)
	}
}

// TestRequestFailures checks the class of each way an HTTP or UDP request
// can fail.
func TestRequestFailures(t *testing.T) {
	statusServer := func(code int) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	garbage := echotest.Start(t, func(c *echo.Config) { c.Close, c.Payload = echo.CloseServer, 1 })
	tests := []struct {
		name   string
		proto  Protocol
		target string
		want   string
		status string // HTTP: the status code every response had
	}{
		{"http 5xx", ProtocolHTTP, statusServer(http.StatusServiceUnavailable), "http_5xx", "503"},
		{"http 501", ProtocolHTTP, statusServer(http.StatusNotImplemented), "http_5xx", "501"},
		{"http 4xx", ProtocolHTTP, statusServer(http.StatusNotFound), "http_4xx", "404"},
		{"http redirect is not followed", ProtocolHTTP, statusServer(http.StatusFound), "other", "302"},
		{"http server answers garbage", ProtocolHTTP, garbage.Addr().String(), "other", ""},
		{"udp lost replies time out", ProtocolUDP, fakeUDP(t, afterPreflight(func([]byte) []byte { return nil })), "timeout", ""},
		{"udp short reply", ProtocolUDP, fakeUDP(t, afterPreflight(func(req []byte) []byte { return req[:1] })), "short_read", ""},
		{"udp long reply", ProtocolUDP, fakeUDP(t, afterPreflight(func(req []byte) []byte { return append(req, 'x') })), "short_read", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(tt.target)
			cfg.Protocol, cfg.Requests, cfg.Concurrency = tt.proto, 10, 2
			// Only the lost replies need a short timeout; the others get
			// a generous one, so a busy machine cannot turn an answer
			// into a timeout.
			if tt.want == "timeout" {
				cfg.Timeout = 50 * time.Millisecond
			}
			if tt.proto == ProtocolHTTP {
				cfg.Mode = ModeKeepAlive
			}
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.Totals.RequestsOK != 0 || res.Errors[tt.want] != 10 {
				t.Errorf("ok %d, errors %v; want 10 %s", res.Totals.RequestsOK, res.Errors, tt.want)
			}
			if tt.status != "" && (len(res.Status) != 1 || res.Status[tt.status] != 10) {
				t.Errorf("status = %v, want {%s: 10}", res.Status, tt.status)
			}
			checkAccounted(t, res)
		})
	}
}

// TestUDPRefusedAfterServerDies: a connected UDP socket learns of the
// closed port from the ICMP error, as ECONNREFUSED on its next read.
func TestUDPRefusedAfterServerDies(t *testing.T) {
	srv := startUDPEcho(t)
	cfg := udpConfig(srv.Addr().String())
	// A datagram the server read just before closing is never answered:
	// that request times out, the next ones are refused.
	cfg.Mode, cfg.Duration, cfg.Concurrency, cfg.Timeout = ModeKeepAlive, 600*time.Millisecond, 2, 50*time.Millisecond
	time.AfterFunc(200*time.Millisecond, func() { srv.Close() })
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.RequestsOK == 0 || res.Errors["ECONNREFUSED"] == 0 {
		t.Errorf("ok %d, errors %v; want successes, then ECONNREFUSED", res.Totals.RequestsOK, res.Errors)
	}
	checkConsistent(t, res)
}

func TestUDPCancelAbortsReads(t *testing.T) {
	// Replies are lost after the preflight, so every worker sits in a read
	// with a minute's timeout when the run is cancelled.
	cfg := udpConfig(fakeUDP(t, afterPreflight(func([]byte) []byte { return nil })))
	cfg.Mode, cfg.Timeout, cfg.Concurrency = ModeKeepAlive, time.Minute, 4
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, cfg)
	if !errors.Is(err, context.DeadlineExceeded) || res == nil || !res.Interrupted {
		t.Fatalf("Run = %+v, %v; want an interrupted partial result", res, err)
	}
	if tot := res.Totals; tot.RequestsFailed != 0 || tot.RequestsIncomplete != 4 || tot.RequestsStarted != 4 {
		t.Errorf("totals %+v; want the 4 blocked reads incomplete, none failed", tot)
	}
}

// TestValidateProtocols checks that each protocol refuses the settings it
// cannot honour, naming the flag.
func TestValidateProtocols(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // prefix of the error; "" means valid
	}{
		{"tcp default", func(c *Config) {}, ""},
		{"empty protocol is tcp", func(c *Config) { c.Protocol = "" }, ""},
		{"unknown protocol", func(c *Config) { c.Protocol = "sctp" }, "protocol:"},
		{"http url", func(c *Config) { c.Protocol, c.Target = ProtocolHTTP, "http://127.0.0.1:7777/x" }, ""},
		{"http host:port", func(c *Config) { c.Protocol = ProtocolHTTP }, ""},
		{"http get no body", func(c *Config) { c.Protocol, c.Payload, c.Method = ProtocolHTTP, 0, "GET" }, ""},
		{"http every knob", func(c *Config) {
			c.Protocol, c.Mode, c.MaxIdlePerHost, c.MaxConnsPerHost, c.UnreadBody = ProtocolHTTP, ModeKeepAlive, 32, 64, true
		}, ""},
		{"https", func(c *Config) { c.Protocol, c.Target = ProtocolHTTP, "https://127.0.0.1/" }, ""},
		{"ftp", func(c *Config) { c.Protocol, c.Target = ProtocolHTTP, "ftp://127.0.0.1/" }, "target:"},
		{"http no host", func(c *Config) { c.Protocol, c.Target = ProtocolHTTP, "http:///x" }, "target:"},
		{"http pool", func(c *Config) { c.Protocol, c.Mode = ProtocolHTTP, ModePool }, "mode:"},
		{"http requests-per-conn", func(c *Config) {
			c.Protocol, c.Mode, c.RequestsPerConn = ProtocolHTTP, ModeKeepAlive, 5
		}, "requests-per-conn:"},
		{"http await-close", func(c *Config) { c.Protocol, c.AwaitClose = ProtocolHTTP, true }, "await-close:"},
		{"http bad method", func(c *Config) { c.Protocol, c.Method = ProtocolHTTP, "GE T" }, "method:"},
		{"http negative idle", func(c *Config) { c.Protocol, c.Mode, c.MaxIdlePerHost = ProtocolHTTP, ModeKeepAlive, -1 }, "max-idle-per-host:"},
		{"http idle without keep-alive", func(c *Config) { c.Protocol, c.MaxIdlePerHost = ProtocolHTTP, 4 }, "max-idle-per-host:"},
		{"http negative conns", func(c *Config) { c.Protocol, c.MaxConnsPerHost = ProtocolHTTP, -1 }, "max-conns-per-host:"},
		{"http hold", func(c *Config) { c.Protocol, c.Hold = ProtocolHTTP, true }, "hold:"},
		{"udp", func(c *Config) { c.Protocol, c.Hold = ProtocolUDP, true }, ""},
		{"udp max datagram", func(c *Config) { c.Protocol, c.Payload = ProtocolUDP, 65507 }, ""},
		{"udp too big", func(c *Config) { c.Protocol, c.Payload = ProtocolUDP, 65508 }, "payload:"},
		{"udp hold keepalive", func(c *Config) { c.Protocol, c.Mode, c.Hold = ProtocolUDP, ModeKeepAlive, true }, "hold:"},
		{"udp linger", func(c *Config) { c.Protocol, c.Linger = ProtocolUDP, 0 }, "linger:"},
		{"udp reuseaddr", func(c *Config) { c.Protocol, c.ReuseAddr = ProtocolUDP, true }, "reuseaddr:"},
		{"udp method", func(c *Config) { c.Protocol, c.Method = ProtocolUDP, "GET" }, "method:"},
		{"tcp zero payload", func(c *Config) { c.Payload = 0 }, "payload:"},
		{"tcp unread-body", func(c *Config) { c.UnreadBody = true }, "unread-body:"},
		{"tcp max-idle", func(c *Config) { c.MaxIdlePerHost = 2 }, "max-idle-per-host:"},
		{"tcp hold", func(c *Config) { c.Hold = true }, "hold:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("127.0.0.1:7777")
			tt.mutate(&cfg)
			err := cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !hasPrefix(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error starting %q", err, tt.want)
			}
		})
	}
}
