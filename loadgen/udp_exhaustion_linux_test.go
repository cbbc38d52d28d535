package loadgen

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/report"
)

// TestUDPErrnoWhenRangeIsUsedUp records what Linux answers when connected
// UDP sockets hold every port of the range: connect() fails with EAGAIN
// (its implicit bind, inet_autobind, found no port), whatever the
// destination, since UDP does not share a local port across peers as TCP
// does; an explicit bind(0) fails with EADDRINUSE; TCP, whose ports are
// another table, still connects.
func TestUDPErrnoWhenRangeIsUsedUp(t *testing.T) {
	netnstest.Run(t, smallRange, func(t *testing.T) {
		srv := echotest.Start(t, func(c *echo.Config) { c.Protocol, c.Listen = echo.ProtocolUDP, "127.0.0.1:7777" })
		var held []net.Conn
		t.Cleanup(func() {
			for _, c := range held {
				c.Close()
			}
		})
		for range 1000 {
			c, err := net.Dial("udp", srv.Addr().String())
			if err != nil {
				t.Fatalf("socket %d: %v", len(held)+1, err)
			}
			held = append(held, c)
		}
		for _, dst := range []string{srv.Addr().String(), "127.0.0.2:9"} {
			_, err := net.Dial("udp", dst)
			if !errors.Is(err, syscall.EAGAIN) || Classify(err) != ClassAgain {
				t.Errorf("dial udp %s with the range used up: %v (%s), want EAGAIN", dst, err, Classify(err))
			}
		}
		_, err := net.ListenPacket("udp", "127.0.0.1:0")
		if !errors.Is(err, syscall.EADDRINUSE) || Classify(err) != ClassAddrInUse {
			t.Errorf("bind udp 127.0.0.1:0 with the range used up: %v, want EADDRINUSE", err)
		}
		tcp := echotest.Start(t, func(c *echo.Config) { c.Listen = "127.0.0.1:7777" })
		if c, err := net.Dial("tcp", tcp.Addr().String()); err != nil {
			t.Errorf("TCP connect while UDP holds the range: %v, want success", err)
		} else {
			c.Close()
		}
	})
}

// TestUDPExhaustionInNamespace: UDP sockets free their port at close, so
// only sockets held open exhaust the range.
func TestUDPExhaustionInNamespace(t *testing.T) {
	tests := []struct {
		name string
		hold bool
	}{
		{"held sockets run out", true},
		{"closed sockets never do", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			netnstest.Run(t, smallRange, func(t *testing.T) {
				srv := echotest.Start(t, func(c *echo.Config) { c.Protocol, c.Listen = echo.ProtocolUDP, "127.0.0.1:7777" })
				cfg := udpConfig(srv.Addr().String())
				cfg.Hold, cfg.Concurrency, cfg.Requests, cfg.Duration = tt.hold, udpC, 5000, time.Minute
				res, err := Run(context.Background(), cfg, stopAtOnset(tt.hold))
				if err != nil {
					t.Fatal(err)
				}
				onset, hit := res.Onset["EAGAIN"]
				if !tt.hold {
					if hit || res.Totals.RequestsOK != 5000 || res.Totals.ConnectionsOpened != 5000 {
						t.Errorf("errors %v, totals %+v; want 5000 sockets, all ok", res.Errors, res.Totals)
					}
					return
				}
				if !hit || res.StopReason != report.StopOnset {
					t.Fatalf("no EAGAIN stop: stop %q, errors %v, totals %+v", res.StopReason, res.Errors, res.Totals)
				}
				// Each held socket holds one of the 1,000 ports, and a UDP
				// port is free again only at close: exactly the range.
				if n := onset.ConnectionsBefore; n != 1000 {
					t.Errorf("onset after %d sockets, want 1000 (the range); errors %v, totals %+v, onset %+v", n, res.Errors, res.Totals, res.Onset)
				}
				if len(res.Notes) == 0 || !hasPrefix(res.Notes[0], "stopped at the first EAGAIN") {
					t.Errorf("notes = %q, want the stop explained", res.Notes)
				}
				checkConsistent(t, res)
			})
		})
	}
}

var udpC = 16
