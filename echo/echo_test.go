package echo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/portlab/portlab/echo"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newServer starts a server on a free loopback port and closes it when the
// test ends.
func newServer(t testing.TB, mutate func(*echo.Config)) *echo.Server {
	t.Helper()
	cfg := echo.DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := echo.NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

func dial(t testing.TB, srv *echo.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatalf("SetDeadline: %v", err)
	}
	return c
}

// waitFor polls cond, because server-side counters move asynchronously to
// what the client observes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// roundTrip writes p while reading its echo; writing from a goroutine
// avoids a deadlock once p exceeds the socket buffers.
func roundTrip(c net.Conn, p []byte) error {
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(p)
		werr <- err
	}()
	got := make([]byte, len(p))
	_, rerr := io.ReadFull(c, got)
	if err := errors.Join(<-werr, rerr); err != nil {
		return err
	}
	if !bytes.Equal(got, p) {
		return errors.New("echo differs from what was sent")
	}
	return nil
}

// isClosed reports whether err is how a client sees the server closing.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func TestEcho(t *testing.T) {
	const clients = 8
	for _, policy := range []echo.ClosePolicy{echo.CloseClient, echo.CloseServer} {
		for _, size := range []int{1, 32, 4 << 10, 64 << 10, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", policy, size), func(t *testing.T) {
				t.Parallel()
				srv := newServer(t, func(c *echo.Config) {
					c.Close = policy
					c.Payload = size
				})
				// Keep-alive clients send several requests per
				// connection; CloseServer allows exactly one.
				rounds := 1
				if policy == echo.CloseClient {
					rounds = 3
				}
				var wg sync.WaitGroup
				for range clients {
					wg.Go(func() {
						c := dial(t, srv)
						p := make([]byte, size)
						for range rounds {
							for i := range p {
								p[i] = byte(rand.Uint())
							}
							if err := roundTrip(c, p); err != nil {
								t.Errorf("round trip: %v", err)
								return
							}
						}
						if policy == echo.CloseServer {
							// The server closed first, after exactly Payload bytes.
							if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
								t.Errorf("read after payload = %d, %v; want 0, EOF", n, err)
							}
						}
						if err := c.Close(); err != nil {
							t.Errorf("client close: %v", err)
						}
					})
				}
				wg.Wait()
				if err := srv.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				want := echo.Stats{
					Accepted: clients,
					BytesIn:  int64(clients * rounds * size),
					BytesOut: int64(clients * rounds * size),
				}
				got := srv.Stats()
				got.ActivePeak = 0 // depends on scheduling
				if got != want {
					t.Errorf("Stats() = %+v, want %+v", got, want)
				}
			})
		}
	}
}

func TestCloseServerShortRequest(t *testing.T) {
	srv := newServer(t, func(c *echo.Config) {
		c.Close = echo.CloseServer
		c.Payload = 100
	})
	c := dial(t, srv)
	if _, err := c.Write([]byte("short")); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "short" {
		t.Errorf("ReadAll = %q, %v; want %q, nil", got, err, "short")
	}
}

func TestMaxConns(t *testing.T) {
	srv := newServer(t, func(c *echo.Config) { c.MaxConns = 1 })
	idle := dial(t, srv)
	waitFor(t, "first connection to be served", func() bool { return srv.Stats().Active == 1 })

	extra := dial(t, srv)
	if _, err := extra.Read(make([]byte, 1)); !isClosed(err) {
		t.Fatalf("read on rejected connection: %v; want EOF or ECONNRESET", err)
	}
	if got := srv.Stats(); got.Rejected != 1 || got.Accepted != 1 {
		t.Errorf("Rejected, Accepted = %d, %d; want 1, 1", got.Rejected, got.Accepted)
	}

	// Once the first connection goes, a new one is served again.
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first connection to end", func() bool { return srv.Stats().Active == 0 })
	if err := roundTrip(dial(t, srv), []byte("again")); err != nil {
		t.Errorf("round trip after the limit freed up: %v", err)
	}
	if got := srv.Stats(); got.Rejected != 1 || got.Accepted != 2 || got.ActivePeak != 1 {
		t.Errorf("Stats() = %+v; want Rejected 1, Accepted 2, ActivePeak 1", got)
	}
}

func TestLingerZero(t *testing.T) {
	srv := newServer(t, func(c *echo.Config) {
		c.Close = echo.CloseServer
		c.Payload = 4
		c.Linger = 0
	})
	c := dial(t, srv)
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	// With SO_LINGER 0 the server's close is a RST, which may even
	// overtake the echo, so only the way the connection ends is checked.
	_, err := io.ReadAll(c)
	if err != nil && !isClosed(err) {
		t.Errorf("ReadAll: %v; want EOF or ECONNRESET", err)
	}
}

func TestCloseEndsConnections(t *testing.T) {
	const idle = 5
	srv := newServer(t, func(c *echo.Config) { c.Delay = time.Hour })
	var conns []net.Conn
	for range idle {
		conns = append(conns, dial(t, srv))
	}
	// One more is stuck in the hour-long delay; Close must not wait it out.
	if _, err := conns[0].Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "connections to be served", func() bool {
		st := srv.Stats()
		return st.Active == idle && st.BytesIn == 1
	})

	closeWithin(t, srv, 5*time.Second)
	if got := srv.Stats(); got.Active != 0 || got.Accepted != idle || got.ActivePeak != idle {
		t.Errorf("Stats() = %+v; want Active 0, Accepted and ActivePeak %d", got, idle)
	}
	for i, c := range conns {
		if _, err := c.Read(make([]byte, 1)); !isClosed(err) {
			t.Errorf("conn %d: read after Close: %v; want EOF or ECONNRESET", i, err)
		}
	}
	if c, err := net.Dial("tcp", srv.Addr().String()); err == nil {
		_ = c.Close()
		t.Error("dial after Close succeeded")
	}
}

// closeWithin closes srv and fails the test if that takes longer than d:
// Close must not wait for a slow request.
func closeWithin(t *testing.T, srv *echo.Server, d time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(d):
		t.Fatal("Close did not return")
	}
}

func TestShutdownFinishesInFlight(t *testing.T) {
	srv := newServer(t, func(c *echo.Config) {
		c.Close = echo.CloseServer
		c.Payload = 5
		c.Delay = 200 * time.Millisecond
	})
	c := dial(t, srv)
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the request to arrive", func() bool { return srv.Stats().BytesIn == 5 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hello" {
		t.Errorf("ReadAll = %q, %v; want %q, nil", got, err, "hello")
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestShutdownDeadline(t *testing.T) {
	srv := newServer(t, nil)
	c := dial(t, srv)
	waitFor(t, "the connection to be served", func() bool { return srv.Stats().Active == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v; want %v", err, context.DeadlineExceeded)
	}
	if _, err := c.Read(make([]byte, 1)); !isClosed(err) {
		t.Errorf("read after Shutdown: %v; want EOF or ECONNRESET", err)
	}
	if got := srv.Stats().Active; got != 0 {
		t.Errorf("Active = %d after Shutdown, want 0", got)
	}
}

func TestStart(t *testing.T) {
	srv := newServer(t, nil)
	if err := srv.Start(); err == nil {
		t.Error("second Start succeeded")
	}

	taken := srv.Addr().String()
	if s, err := echo.NewServer(echo.Config{Listen: taken, Linger: -1, KeepAlive: true}); err == nil {
		_ = s.Close()
		t.Errorf("NewServer on taken address %s succeeded", taken)
	}

	s, err := echo.New(echo.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close before Start: %v", err)
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
	if s.Addr() != nil {
		t.Errorf("Addr() = %v for a server that never listened, want nil", s.Addr())
	}
}

func TestListenOptions(t *testing.T) {
	first := newServer(t, func(c *echo.Config) {
		c.ReusePort = true
		c.Backlog = 16
	})
	second := newServer(t, func(c *echo.Config) {
		c.Listen = first.Addr().String()
		c.ReusePort = true
	})
	if got, want := second.Addr().String(), first.Addr().String(); got != want {
		t.Fatalf("second server on %s, want %s", got, want)
	}
	for range 4 {
		if err := roundTrip(dial(t, first), []byte("shared")); err != nil {
			t.Errorf("round trip: %v", err)
		}
	}
}

func BenchmarkEchoRoundTrip(b *testing.B) {
	srv := newServer(b, nil)
	c := dial(b, srv)
	if err := c.SetDeadline(time.Time{}); err != nil {
		b.Fatal(err)
	}
	req, resp := bytes.Repeat([]byte("x"), 32), make([]byte, 32)
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
	}
}
