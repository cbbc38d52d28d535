package echo_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
)

func newHTTPServer(t testing.TB, mutate func(*echo.Config)) (*echo.Server, string) {
	t.Helper()
	srv := newServer(t, func(c *echo.Config) {
		c.Protocol = echo.ProtocolHTTP
		if mutate != nil {
			mutate(c)
		}
	})
	return srv, "http://" + srv.Addr().String()
}

// httpClient is a client of its own, so one test's idle connections never
// outlive it (goleak would see their goroutines).
func httpClient(t testing.TB) *http.Client {
	tr := &http.Transport{Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

func randomBytes(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rand.Uint())
	}
	return p
}

// onlyReader hides bytes.Reader's type, so net/http cannot know the length
// and sends the body chunked.
type onlyReader struct{ io.Reader }

func TestHTTPEcho(t *testing.T) {
	srv, url := newHTTPServer(t, nil)
	client := httpClient(t)
	var sent int64
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		for _, size := range []int{0, 1, 32, 32 << 10, 32<<10 + 1, 1 << 20} {
			for _, chunked := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/chunked=%v", method, size, chunked), func(t *testing.T) {
					p := randomBytes(size)
					var body io.Reader = bytes.NewReader(p)
					if chunked {
						body = onlyReader{body}
					}
					req, err := http.NewRequest(method, url+"/any/path", body)
					if err != nil {
						t.Fatal(err)
					}
					resp, err := client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					got, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK {
						t.Fatalf("status %d, read %v", resp.StatusCode, err)
					}
					if !bytes.Equal(got, p) {
						t.Errorf("echo of %d bytes came back as %d different bytes", size, len(got))
					}
					if !chunked && resp.ContentLength != int64(size) {
						t.Errorf("Content-Length = %d, want %d", resp.ContentLength, size)
					}
					sent += int64(size)
				})
			}
		}
	}
	client.CloseIdleConnections()
	waitFor(t, "connections to close", func() bool { return srv.Stats().Active == 0 })
	st := srv.Stats()
	if st.BytesIn != sent || st.BytesOut != sent || st.Requests != 24 {
		t.Errorf("Stats() = %+v, want %d bytes each way in 24 requests", st, sent)
	}
	// Keep-alive: the client reused its connection, up to the one the
	// first chunked upload may have made it drop.
	if st.Accepted > 2 {
		t.Errorf("Accepted = %d connections for 24 sequential requests, want keep-alive", st.Accepted)
	}
}

func TestHTTPGetAnswersPayload(t *testing.T) {
	_, url := newHTTPServer(t, func(c *echo.Config) { c.Payload = 100 })
	client := httpClient(t)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, url+"/", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := 100
		if method == http.MethodHead {
			want = 0
		}
		if err != nil || len(got) != want || resp.ContentLength != 100 {
			t.Errorf("%s: %d bytes, Content-Length %d, %v; want %d bytes, Content-Length 100", method, len(got), resp.ContentLength, err, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("%s: Content-Type %q", method, ct)
		}
	}
}

// TestHTTPWhoCloses checks that the server closes first exactly when told
// to: the client then reads EOF on the connection after the response.
func TestHTTPWhoCloses(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(*echo.Config)
		serverClose bool
	}{
		{"default keeps the connection", nil, false},
		{"close server", func(c *echo.Config) { c.Close = echo.CloseServer }, true},
		{"keep-alive disabled", func(c *echo.Config) { c.KeepAlive = false }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newHTTPServer(t, tt.mutate)
			c := dial(t, srv)
			if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nping"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufioReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "ping" {
				t.Errorf("body = %q, want ping", body)
			}
			if got := resp.Close; got != tt.serverClose {
				t.Errorf("response says Connection: close = %v, want %v", got, tt.serverClose)
			}
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, err = c.Read(make([]byte, 1))
			var ne net.Error
			switch {
			case tt.serverClose && err != io.EOF:
				t.Errorf("read after the response: %v, want EOF (the server closes first)", err)
			case !tt.serverClose && !(errors.As(err, &ne) && ne.Timeout()):
				t.Errorf("read after the response: %v, want a timeout (the connection stays open)", err)
			}
		})
	}
}

func TestHTTPMaxConnsAndLinger(t *testing.T) {
	srv, _ := newHTTPServer(t, func(c *echo.Config) {
		c.MaxConns = 1
		c.Linger = 0
	})
	first := dial(t, srv)
	waitFor(t, "the first connection", func() bool { return srv.Stats().Active == 1 })
	extra := dial(t, srv)
	if _, err := extra.Read(make([]byte, 1)); !isClosed(err) {
		t.Fatalf("read on rejected connection: %v; want EOF or ECONNRESET", err)
	}
	// SO_LINGER 0 on the served connection: Close ends it with RST.
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Read(make([]byte, 1)); !errors.Is(err, errReset) {
		t.Errorf("read after Close with linger 0: %v, want ECONNRESET", err)
	}
	if st := srv.Stats(); st.Accepted != 1 || st.Rejected != 1 || st.Active != 0 || st.ActivePeak != 1 {
		t.Errorf("Stats() = %+v, want 1 accepted, 1 rejected, none active", st)
	}
}

func TestHTTPCloseAndShutdown(t *testing.T) {
	tests := []struct {
		name     string
		stop     func(*echo.Server) error
		wantBody bool
	}{
		{"close aborts the delayed request", (*echo.Server).Close, false},
		{"shutdown waits for it", func(s *echo.Server) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return s.Shutdown(ctx)
		}, true},
		{"shutdown deadline aborts it", func(s *echo.Server) error {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("Shutdown = %v, want %v", err, context.DeadlineExceeded)
			}
			return nil
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := newHTTPServer(t, func(c *echo.Config) { c.Delay = 300 * time.Millisecond })
			client := httpClient(t)
			// An idle keep-alive connection: one that never sent a request
			// would count as busy to http.Server.Shutdown for 5 s.
			idle := dial(t, srv)
			if _, err := io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			idleR := bufioReader(idle)
			if resp, err := http.ReadResponse(idleR, nil); err != nil {
				t.Fatal(err)
			} else {
				io.Copy(io.Discard, resp.Body)
			}
			type result struct {
				body string
				err  error
			}
			done := make(chan result, 1)
			go func() {
				resp, err := client.Post(url, "text/plain", strings.NewReader("slow"))
				if err != nil {
					done <- result{err: err}
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				done <- result{string(b), err}
			}()
			waitFor(t, "the request to arrive", func() bool { return srv.Stats().BytesIn == 4 })
			if err := tt.stop(srv); err != nil {
				t.Fatal(err)
			}
			r := <-done
			if got := r.err == nil && r.body == "slow"; got != tt.wantBody {
				t.Errorf("request during stop: %q, %v; want the echo = %v", r.body, r.err, tt.wantBody)
			}
			if _, err := idleR.ReadByte(); !isClosed(err) {
				t.Errorf("idle connection: read %v, want it closed", err)
			}
			if st := srv.Stats(); st.Active != 0 {
				t.Errorf("Active = %d after stop, want 0", st.Active)
			}
			if c, err := net.Dial("tcp", srv.Addr().String()); err == nil {
				c.Close()
				t.Error("dial after stop succeeded")
			}
		})
	}
}

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

var (
	errReset   = syscall.ECONNRESET
	errRefused = syscall.ECONNREFUSED
)
