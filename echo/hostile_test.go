package echo_test

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
)

// short is the timeout these tests set: the server must act on it, and the
// client waits up to guard for it to (a bound on hangs, not on speed).
const (
	short = 100 * time.Millisecond
	guard = 20 * time.Second
)

// readToClose reads c until the server closes it and returns what came;
// it fails the test if guard passes first.
func readToClose(t *testing.T, c net.Conn) []byte {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(guard)); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, err := io.Copy(&got, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server has not closed the connection after %s (read so far %q)", guard, got.String())
	}
	return got.Bytes()
}

// trickle writes p one byte at a time, a byte per period, until a write
// fails (the server closed) or stop is closed.
func trickle(c net.Conn, p []byte, period time.Duration, stop <-chan struct{}) {
	for i := 0; ; i++ {
		if _, err := c.Write(p[i%len(p) : i%len(p)+1]); err != nil {
			return
		}
		select {
		case <-time.After(period):
		case <-stop:
			return
		}
	}
}

// Hostile and forgetful peers are cut off by the timeouts: each case holds
// a connection in a way that used to tie it up for ever, and the server
// must close it.
func TestTimeoutsCloseHostilePeers(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*echo.Config)
		client func(t *testing.T, c net.Conn, stop <-chan struct{})
		want   string // the response must start with it ("" = any)
	}{
		{"http slowloris: a header byte at a time",
			func(c *echo.Config) { c.Protocol, c.ReadHeaderTimeout = echo.ProtocolHTTP, short },
			func(t *testing.T, c net.Conn, stop <-chan struct{}) {
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
					t.Error(err)
				}
				go trickle(c, []byte("X-Slow: a\r\n"), short/10, stop)
			}, ""},
		{"http connection that never sends",
			func(c *echo.Config) { c.Protocol, c.ReadHeaderTimeout = echo.ProtocolHTTP, short },
			nil, ""},
		{"http POST declaring 100 bytes, sending 3",
			func(c *echo.Config) { c.Protocol, c.ReadTimeout = echo.ProtocolHTTP, short },
			func(t *testing.T, c net.Conn, _ <-chan struct{}) {
				if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"); err != nil {
					t.Error(err)
				}
			}, "HTTP/1.1 408 "},
		{"http chunked body that stalls",
			func(c *echo.Config) { c.Protocol, c.ReadTimeout = echo.ProtocolHTTP, short },
			func(t *testing.T, c net.Conn, _ <-chan struct{}) {
				if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"); err != nil {
					t.Error(err)
				}
			}, ""},
		{"http keep-alive connection left idle",
			func(c *echo.Config) { c.Protocol, c.IdleTimeout = echo.ProtocolHTTP, short },
			func(t *testing.T, c net.Conn, _ <-chan struct{}) {
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Error(err)
				}
			}, "HTTP/1.1 200 "},
		{"tcp connection that never sends",
			func(c *echo.Config) { c.IdleTimeout = short },
			nil, ""},
		{"tcp connection idle after an echo",
			func(c *echo.Config) { c.IdleTimeout = short },
			func(t *testing.T, c net.Conn, _ <-chan struct{}) {
				if _, err := io.WriteString(c, "hello"); err != nil {
					t.Error(err)
				}
			}, "hello"},
		{"tcp close server: a short request then silence",
			func(c *echo.Config) { c.IdleTimeout, c.Close, c.Payload = short, echo.CloseServer, 100 },
			func(t *testing.T, c net.Conn, _ <-chan struct{}) {
				if _, err := io.WriteString(c, "abc"); err != nil {
					t.Error(err)
				}
			}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.cfg)
			c := dial(t, srv)
			stop := make(chan struct{})
			defer close(stop)
			if tt.client != nil {
				tt.client(t, c, stop)
			}
			got := string(readToClose(t, c))
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got response %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

// A peer that sends and never reads fills the socket buffers; the server's
// blocked write is then cut by the write timeout (HTTP) or the idle timeout
// (TCP), and the client's own write fails.
func TestTimeoutsCloseNonReadingPeers(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*echo.Config)
		request string
	}{
		{"http", func(c *echo.Config) { c.Protocol, c.WriteTimeout = echo.ProtocolHTTP, short },
			"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"},
		{"tcp", func(c *echo.Config) { c.IdleTimeout = short }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tt.cfg)
			c := dial(t, srv)
			if err := c.SetWriteDeadline(time.Now().Add(guard)); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(c, tt.request); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64<<10)
			for sent := 0; sent < 1<<30; {
				n, err := c.Write(buf)
				sent += n
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("the server still holds the connection after %s (%d bytes sent)", guard, sent)
				}
				if err != nil {
					return // closed by the server
				}
			}
			t.Fatal("1 GiB sent and never read back, and the server has not closed")
		})
	}
}

// MaxConns slots held by idle or silent peers are freed by the timeouts.
// Without them, N silent peers under MaxConns N shut every new client out
// for good (TestMaxConns shows the turning away); with them, the server
// closes all N and serves the next client.
func TestIdlePeersCannotHoldMaxConns(t *testing.T) {
	const n = 3
	tests := []struct {
		name  string
		cfg   func(*echo.Config)
		serve func(c net.Conn) error // one exchange proving c is served
	}{
		{"tcp", func(c *echo.Config) { c.IdleTimeout = short }, func(c net.Conn) error { return roundTrip(c, []byte("in")) }},
		{"http", func(c *echo.Config) { c.Protocol, c.ReadHeaderTimeout = echo.ProtocolHTTP, short }, func(c net.Conn) error {
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				return err
			}
			_, err := bufioReader(c).ReadString('\n')
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(c *echo.Config) {
				c.MaxConns = n
				tt.cfg(c)
			})
			idle := make([]net.Conn, n)
			for i := range idle {
				idle[i] = dial(t, srv)
			}
			waitFor(t, "the idle connections to be served", func() bool { return srv.Stats().Accepted == n })
			for i, c := range idle {
				readToClose(t, c)
				t.Logf("idle connection %d closed by the server", i)
			}
			waitFor(t, "the idle connections to end", func() bool { return srv.Stats().Active == 0 })
			if err := tt.serve(dial(t, srv)); err != nil {
				t.Fatalf("a new client after the idle ones timed out: %v", err)
			}
			if got := srv.Stats(); got.Accepted != n+1 || got.Rejected != 0 {
				t.Errorf("Accepted, Rejected = %d, %d; want %d, 0", got.Accepted, got.Rejected, n+1)
			}
		})
	}
}
