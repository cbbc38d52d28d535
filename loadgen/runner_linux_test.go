package loadgen

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/sockstate"
)

// TestLingerSetBeforeConnect: SO_LINGER is set in the dialer's Control,
// before connect(), and still decides the close. With linger 0 the client's
// close is an RST and leaves no TIME_WAIT; by default the client, closing
// first, leaves one per connection.
func TestLingerSetBeforeConnect(t *testing.T) {
	for _, linger := range []int{0, -1} {
		t.Run(fmt.Sprint("linger ", linger), func(t *testing.T) {
			netnstest.Run(t, nil, func(t *testing.T) {
				cfg := testConfig(echotest.Start(t, nil).Addr().String())
				cfg.Requests, cfg.Concurrency, cfg.Linger = 200, 2, linger
				res, err := Run(context.Background(), cfg, WithHostNetns(false))
				if err != nil {
					t.Fatal(err)
				}
				tw, _, err := sockstate.Count()
				if err != nil {
					t.Fatal(err)
				}
				if ok := res.Totals.RequestsOK; ok != 200 {
					t.Fatalf("linger %d: %d requests ok, want 200 (errors %v)", linger, ok, res.Errors)
				}
				if linger == 0 && tw != 0 {
					t.Errorf("linger 0: %d sockets in TIME_WAIT, want 0", tw)
				}
				if linger < 0 && tw < 200 {
					t.Errorf("default linger: %d sockets in TIME_WAIT, want >= 200 (one per connection)", tw)
				}
			})
		})
	}
}

// TestNoKeepAliveProbes: the engine's connections carry no socket option
// nobody asked for: SO_KEEPALIVE stays off (package net turns it on by
// default, at four setsockopt calls per connection).
func TestNoKeepAliveProbes(t *testing.T) {
	cfg := testConfig(echotest.Start(t, nil).Addr().String())
	r, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.conns.dial(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var on int
	var optErr error
	if err := rc.Control(func(fd uintptr) { on, optErr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE) }); err != nil {
		t.Fatal(err)
	}
	if optErr != nil {
		t.Fatal(optErr)
	}
	if on != 0 {
		t.Errorf("SO_KEEPALIVE = %d, want 0", on)
	}
}
