package testsupport

import (
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// ListenLoopback listens on TCP at a random address of 127.0.0.0/8 (all of
// it is loopback on Linux), so TIME_WAIT sockets left toward an earlier
// listener on the same port are never counted toward this one. The
// listener closes when tb ends.
func ListenLoopback(tb testing.TB) net.Listener {
	tb.Helper()
	ip := netip.AddrFrom4([4]byte{127, byte(1 + rand.IntN(254)), byte(rand.IntN(256)), byte(1 + rand.IntN(254))})
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	return ln
}

// Serve accepts connections on ln until tb ends and runs handle on each
// in its own goroutine, closing the connection when handle returns. It
// returns ln's address. At the end of the test it closes ln and every
// connection still open, and waits for every handle to return.
func Serve(tb testing.TB, ln net.Listener, handle func(net.Conn)) string {
	tb.Helper()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]bool{}
		closed bool
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed { // accepted as the test ended
				mu.Unlock()
				c.Close()
				return
			}
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				handle(c)
			})
		}
	})
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// Drain serves ln until tb ends: it reads each connection to EOF and only
// then closes it, so a client that closes first ends in TIME_WAIT, not
// FIN_WAIT2. It never writes. It returns ln's address. At the end of the
// test it closes ln and any connection still open, and waits for them
// (see Serve).
func Drain(tb testing.TB, ln net.Listener) string {
	tb.Helper()
	return Serve(tb, ln, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// DrainServer is Drain on a new ListenLoopback listener.
func DrainServer(tb testing.TB) string {
	tb.Helper()
	return Drain(tb, ListenLoopback(tb))
}

// Connect opens n TCP connections to addr. On an error it returns the
// connections it opened before, with the error.
func Connect(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return conns, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// Dial is Connect for the test goroutine: it fails tb on an error and
// closes every connection when tb ends.
func Dial(tb testing.TB, addr string, n int) []net.Conn {
	tb.Helper()
	conns, err := Connect(addr, n)
	tb.Cleanup(func() { CloseAll(conns) })
	if err != nil {
		tb.Fatalf("dial %s: %v", addr, err)
	}
	return conns
}

// CloseAll closes every connection of conns.
func CloseAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}
