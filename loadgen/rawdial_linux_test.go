package loadgen

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/report"
)

// silentListener listens on loopback with a backlog of 0 and never
// accepts: once one connection waits in its accept queue, the kernel
// drops every further SYN, so dials to it hang until they time out.
func silentListener(t *testing.T) string {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
}

// fill makes sure addr's accept queue is full: a dial that connects fills
// it, one that times out found it full.
func fill(t *testing.T, addr string) {
	for range 2 {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
}

// TestHangingDials: dials that get no answer end by the connect timeout
// (failed, class timeout) and, at the end of the run, by the stop
// (incomplete): never later. A watchdog bounds the run: a dial the stop
// did not abort would hang for the minute of its connect timeout.
func TestHangingDials(t *testing.T) {
	tests := []struct {
		name           string
		connectTimeout time.Duration
		wantFailed     bool
		// Dials in flight at the stop get a grace of --timeout; one that
		// times out in it failed.
		wantIncomplete int64
	}{
		{"stop aborts them", time.Minute, false, 2},
		{"connect timeout", 100 * time.Millisecond, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := silentListener(t)
			cfg := testConfig(addr)
			cfg.Mode, cfg.Concurrency, cfg.Duration = ModeNew, 2, 400*time.Millisecond
			cfg.ConnectTimeout, cfg.Timeout = tt.connectTimeout, 200*time.Millisecond
			r, err := New(context.Background(), cfg) // its preflight takes the queue's place
			if err != nil {
				t.Fatal(err)
			}
			fill(t, addr)
			done := make(chan *report.Result, 1)
			go func() {
				res, err := r.Run(context.Background())
				if err != nil {
					t.Error(err)
				}
				done <- res
			}()
			var res *report.Result
			select {
			case res = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the run did not end: a hanging dial was not aborted")
			}
			checkConsistent(t, res)
			tot := res.Totals
			if tot.RequestsOK != 0 || tot.ConnectionsOpened != 0 {
				t.Errorf("%d ok, %d connections opened; want none", tot.RequestsOK, tot.ConnectionsOpened)
			}
			if tot.RequestsIncomplete != tt.wantIncomplete {
				t.Errorf("%d incomplete, want %d", tot.RequestsIncomplete, tt.wantIncomplete)
			}
			if got := res.Errors["timeout"]; (got > 0) != tt.wantFailed || got != tot.RequestsFailed {
				t.Errorf("%d failed, %d of them timeouts; want timeouts only, and some: %v", tot.RequestsFailed, got, tt.wantFailed)
			}
		})
	}
}

// TestLiveDialAddresses: a connection the engine dialed itself knows its
// addresses, as one package net dialed does.
func TestLiveDialAddresses(t *testing.T) {
	w, _ := benchWorker(t, nil)
	c, err := w.dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.Conn.(fileConn); !ok {
		t.Fatalf("dialed a %T, want a fileConn", c.Conn)
	}
	if got, want := c.RemoteAddr().String(), w.r.target; got != want {
		t.Errorf("remote address %s, want %s", got, want)
	}
	if la, ok := c.LocalAddr().(*net.TCPAddr); !ok || la.Port == 0 || !la.IP.IsLoopback() {
		t.Errorf("local address %v, want a loopback address and port", c.LocalAddr())
	}
}
