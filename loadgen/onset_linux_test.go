package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns/netnstest"
)

// rangeOf is a namespace with n ephemeral ports and TIME_WAIT reuse off.
func rangeOf(n int) map[string]string {
	return map[string]string{
		"net.ipv4.ip_local_port_range": fmt.Sprintf("40000 %d", 40000+n-1),
		"net.ipv4.tcp_tw_reuse":        "0",
	}
}

// earlyReuse is how far over the range an onset may count: with
// tcp_tw_reuse=0 the kernel still hands out a TIME_WAIT port again now and
// then (about 3% of runs on 1,000 ports, by 1 to 15 ports).
const earlyReuse = 15

// onsetRun churns new connections in a namespace of n ports at
// concurrency c until EADDRNOTAVAIL, and returns its onset.
func onsetRun(t *testing.T, c int) (connsBefore, okBefore int64) {
	srv := echotest.Start(t, func(c *echo.Config) { c.Listen = "127.0.0.1:7777" })
	cfg := testConfig(srv.Addr().String())
	cfg.Mode, cfg.Concurrency, cfg.Duration = ModeNew, c, time.Minute
	res, err := Run(context.Background(), cfg, WithHostNetns(true)) // stop at onset
	if err != nil {
		t.Fatal(err)
	}
	onset, ok := res.Onset["EADDRNOTAVAIL"]
	if !ok {
		t.Fatalf("no EADDRNOTAVAIL: errors %v, totals %+v", res.Errors, res.Totals)
	}
	checkConsistent(t, res)
	return onset.ConnectionsBefore, onset.RequestsOKBefore
}

// TestOnsetCountsEveryPortHandedOut: when connect() first fails, every
// port of the range is held (in TIME_WAIT or by a connection not yet
// returned to its worker), so connections_before is the range, at any
// concurrency: dials still in flight at the failure had their port.
func TestOnsetCountsEveryPortHandedOut(t *testing.T) {
	for _, ports := range []int{1, 100} {
		t.Run(fmt.Sprint(ports), func(t *testing.T) {
			netnstest.Run(t, rangeOf(ports), func(t *testing.T) {
				got, ok := onsetRun(t, 16)
				t.Logf("range %d, c=16: connections_before %d, requests_ok_before %d", ports, got, ok)
				if got < int64(ports) || got > int64(ports+earlyReuse) {
					t.Errorf("connections_before = %d, want the range %d (at most %d over: the kernel's early reuse)",
						got, ports, earlyReuse)
				}
			})
		})
	}
}

// TestOnsetTable measures the onset table of the documentation: ranges
// 1/100/1,000/5,000 at concurrency 1/16/256, five runs each, each in a
// fresh namespace. It only logs; set PORTLAB_ONSET_TABLE=1 to run it:
//
//	PORTLAB_ONSET_TABLE=1 go test -run TestOnsetTable -v ./loadgen
func TestOnsetTable(t *testing.T) {
	if os.Getenv("PORTLAB_ONSET_TABLE") == "" {
		t.Skip("a measurement, not a test: set PORTLAB_ONSET_TABLE=1")
	}
	for _, ports := range []int{1, 100, 1000, 5000} {
		for _, c := range []int{1, 16, 256} {
			for run := range 5 {
				t.Run(fmt.Sprintf("%d/%d/%d", ports, c, run), func(t *testing.T) {
					netnstest.Run(t, rangeOf(ports), func(t *testing.T) {
						got, ok := onsetRun(t, c)
						t.Logf("ONSET range=%d c=%d predicted=%d connections_before=%d requests_ok_before=%d",
							ports, c, ports, got, ok)
					})
				})
			}
		}
	}
}

// TestPreflightWithoutLocalPort: when the connectivity check itself finds
// no free local port, the error names that cause, not an unreachable
// target (which it is not).
func TestPreflightWithoutLocalPort(t *testing.T) {
	netnstest.Run(t, rangeOf(1), func(t *testing.T) {
		srv := echotest.Start(t, func(c *echo.Config) { c.Listen = "127.0.0.1:7777" })
		held, err := net.Dial("tcp", srv.Addr().String()) // the range's one port
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		_, err = New(context.Background(), testConfig(srv.Addr().String()))
		if !errors.Is(err, ErrNoLocalPort) || errors.Is(err, ErrUnreachable) || !errors.Is(err, syscall.EADDRNOTAVAIL) {
			t.Fatalf("New = %v; want ErrNoLocalPort wrapping EADDRNOTAVAIL, not ErrUnreachable", err)
		}
		if want := "no free local port (EADDRNOTAVAIL) for the connectivity check"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	})
}
