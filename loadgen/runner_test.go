package loadgen

import (
	"context"
	"errors"
	"testing"

	"github.com/portlab/portlab/echo/echotest"
)

// TestRunnerSetUpThenRun: New does the set-up (and its errors), Run the
// load, once; the options reach the result.
func TestRunnerSetUpThenRun(t *testing.T) {
	cfg := testConfig(echotest.Start(t, nil).Addr().String())
	cfg.Requests = 50
	r, err := New(context.Background(), cfg, WithVersion("v9.9.9"), WithHostNetns(false))
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.RequestsOK != 50 || res.Tool.Version != "v9.9.9" || res.Environment.Netns != "sandbox" {
		t.Errorf("ok %d, tool.version %q, netns %q; want 50, v9.9.9, sandbox",
			res.Totals.RequestsOK, res.Tool.Version, res.Environment.Netns)
	}
	if _, err := r.Run(context.Background()); !errors.Is(err, errRanTwice) {
		t.Errorf("second Run: %v, want %v", err, errRanTwice)
	}

	bad := cfg
	bad.Concurrency = 0
	if _, err := New(context.Background(), bad); err == nil {
		t.Error("New accepted concurrency 0")
	}
	unreachable := testConfig("127.0.0.1:1")
	if _, err := New(context.Background(), unreachable); !errors.Is(err, ErrUnreachable) {
		t.Errorf("New toward a closed port: %v, want %v", err, ErrUnreachable)
	}
}

// TestEveryProtocolIsRegistered: each protocol config knows is built in.
func TestEveryProtocolIsRegistered(t *testing.T) {
	for _, p := range []Protocol{ProtocolTCP, ProtocolHTTP, ProtocolUDP} {
		if protocols[p] == nil {
			t.Errorf("protocol %s has no constructor", p)
		}
	}
}
