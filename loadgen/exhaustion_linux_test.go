package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/report"
)

// smallRange is 1,000 ephemeral ports with TIME_WAIT reuse off: the kernel
// setting under which new-connection churn exhausts ports in well under a
// second.
var smallRange = map[string]string{
	"net.ipv4.ip_local_port_range": "40000 40999",
	"net.ipv4.tcp_tw_reuse":        "0",
}

func exhaustionConfig(t *testing.T, mode Mode) Config {
	srv := echotest.Start(t, func(c *echo.Config) { c.Listen = "127.0.0.1:7777" })
	cfg := testConfig(srv.Addr().String())
	cfg.Mode, cfg.Concurrency, cfg.Requests, cfg.Duration = mode, 16, 3000, 10*time.Second
	return cfg
}

func TestRealExhaustionInNamespace(t *testing.T) {
	netnstest.Run(t, smallRange, func(t *testing.T) {
		res, err := Run(context.Background(), exhaustionConfig(t, ModeNew), WithHostNetns(false))
		if err != nil {
			t.Fatal(err)
		}
		if res.Environment.Netns != "sandbox" {
			t.Errorf("environment.netns = %q, want sandbox", res.Environment.Netns)
		}
		if got := res.Environment.IPLocalPortRange; got != [2]int{40000, 40999} {
			t.Errorf("environment.ip_local_port_range = %v", got)
		}
		onset, ok := res.Onset["EADDRNOTAVAIL"]
		if !ok || res.Errors["EADDRNOTAVAIL"] == 0 {
			t.Fatalf("no EADDRNOTAVAIL: errors %v, totals %+v", res.Errors, res.Totals)
		}
		// Every successful request held one port in TIME_WAIT, so about as
		// many succeed before onset as the range has ports. Not at most: in
		// 1,000 runs on Linux 6.18, 3% reached 1,001-1,015, the kernel
		// handing out a TIME_WAIT port again even with tcp_tw_reuse=0.
		if onset.RequestsOKBefore > 1050 || onset.ConnectionsBefore > 1050 || onset.ConnectionsBefore < 1000 {
			t.Errorf("onset after %d ok / %d connections, want about 1000 (the range)", onset.RequestsOKBefore, onset.ConnectionsBefore)
		}
		if onset.RequestsOKBefore < 900 {
			t.Errorf("onset after only %d ok requests, want close to 1000", onset.RequestsOKBefore)
		}
		// Inside a private namespace the run sustains exhaustion.
		if res.StopReason != report.StopRequests && res.StopReason != report.StopDuration {
			t.Errorf("stop_reason = %q, want the run to go on past onset", res.StopReason)
		}
		checkConsistent(t, res)
	})
}

func TestPoolDoesNotExhaustInNamespace(t *testing.T) {
	netnstest.Run(t, smallRange, func(t *testing.T) {
		res, err := Run(context.Background(), exhaustionConfig(t, ModePool), WithHostNetns(false))
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Errors["EADDRNOTAVAIL"]; n != 0 {
			t.Errorf("pool saw %d EADDRNOTAVAIL", n)
		}
		if res.Totals.RequestsOK != 3000 {
			t.Errorf("requests_ok = %d, want 3000", res.Totals.RequestsOK)
		}
		if res.Totals.ConnectionsOpened > 16 {
			t.Errorf("connections_opened = %d, want <= 16", res.Totals.ConnectionsOpened)
		}
	})
}

func TestHostNamespaceStopsAtOnset(t *testing.T) {
	netnstest.Run(t, smallRange, func(t *testing.T) {
		res, err := Run(context.Background(), exhaustionConfig(t, ModeNew), WithHostNetns(true))
		if err != nil {
			t.Fatal(err)
		}
		if res.StopReason != report.StopOnset {
			t.Fatalf("stop_reason = %q, want onset", res.StopReason)
		}
		if res.Environment.Netns != "host" || len(res.Notes) == 0 {
			t.Errorf("netns %q notes %q: want host and a note saying why it stopped", res.Environment.Netns, res.Notes)
		}
		// Workers already in connect() may fail too, but the run stops there.
		if n := res.Errors["EADDRNOTAVAIL"]; n < 1 || n > 16 {
			t.Errorf("EADDRNOTAVAIL = %d, want 1..16 (one per worker at most)", n)
		}
	})
}
