package echo_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
)

func newUDPServer(t testing.TB, mutate func(*echo.Config)) *echo.Server {
	t.Helper()
	return newServer(t, func(c *echo.Config) {
		c.Protocol = echo.ProtocolUDP
		if mutate != nil {
			mutate(c)
		}
	})
}

func dialUDP(t testing.TB, srv *echo.Server) *net.UDPConn {
	t.Helper()
	c, err := net.Dial("udp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c.(*net.UDPConn)
}

// udpRoundTrip sends p and reads its echo, sending again when a datagram
// is lost: eight clients of 64 KiB datagrams overflow a socket's default
// receive buffer, and the kernel drops what does not fit, as UDP may.
func udpRoundTrip(c *net.UDPConn, p []byte) error {
	buf := make([]byte, 65536)
	var err error
	for range 10 {
		if _, err = c.Write(p); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		var n int
		if n, err = c.Read(buf); err == nil {
			if !bytes.Equal(buf[:n], p) {
				return fmt.Errorf("echo of %d bytes came back as %d different bytes", len(p), n)
			}
			return nil
		}
	}
	return err
}

func TestUDPEcho(t *testing.T) {
	const clients, rounds = 8, 5
	sizes := []int{1, 32, 1400, 65507}
	srv := newUDPServer(t, nil)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c := dialUDP(t, srv)
			for r := range rounds {
				if err := udpRoundTrip(c, randomBytes(sizes[(i+r)%len(sizes)])); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// The server counts an echo after sending it: the client may be first.
	waitFor(t, "the echoes to be counted", func() bool {
		st := srv.Stats()
		return st.Requests >= clients*rounds && st.BytesIn == st.BytesOut
	})
	if st := srv.Stats(); st.Accepted != 0 || st.Active != 0 {
		t.Errorf("Stats() = %+v, want no connections", st)
	}
}

func TestUDPDelayAndClose(t *testing.T) {
	srv := newUDPServer(t, func(c *echo.Config) { c.Delay = time.Hour })
	c := dialUDP(t, srv)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the datagram to arrive", func() bool { return srv.Stats().BytesIn == 1 })
	closeWithin(t, srv, 5*time.Second) // not the hour of the delay
	if st := srv.Stats(); st.BytesOut != 0 || st.Requests != 0 {
		t.Errorf("Stats() = %+v, want nothing echoed", st)
	}
	// Nothing listens any more: the next datagram draws ICMP port
	// unreachable, which a connected socket reads as ECONNREFUSED.
	c.Write([]byte("y"))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, errRefused) {
		t.Errorf("read after Close: %v, want ECONNREFUSED", err)
	}
}

func TestUDPReusePort(t *testing.T) {
	first := newUDPServer(t, func(c *echo.Config) { c.ReusePort = true })
	second := newUDPServer(t, func(c *echo.Config) {
		c.Listen = first.Addr().String()
		c.ReusePort = true
	})
	if got, want := second.Addr().String(), first.Addr().String(); got != want {
		t.Fatalf("second server on %s, want %s", got, want)
	}
	for i := range 8 {
		c := dialUDP(t, first)
		msg := fmt.Sprint("shared ", i)
		c.Write([]byte(msg))
		buf := make([]byte, 64)
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != msg {
			t.Errorf("echo: %q, %v", buf[:n], err)
		}
	}
}
