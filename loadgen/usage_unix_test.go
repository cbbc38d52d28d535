//go:build unix

package loadgen

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/report"
)

// TestClientCost: a result says what the run cost portlab's process (so a
// reader can tell a client-bound run), and the text report shows it.
func TestClientCost(t *testing.T) {
	cfg := testConfig(echotest.Start(t, nil).Addr().String())
	cfg.Requests, cfg.Concurrency = 300, 4
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Client
	if c == nil {
		t.Fatal("no client cost in the result")
	}
	// CPU time is counted in ticks: a short run may show none, never less.
	if c.CPUUserS < 0 || c.CPUSysS < 0 || c.CPUBusy < 0 || c.CPUPerRequestUS < 0 {
		t.Errorf("negative CPU time: %+v", *c)
	}
	if c.MaxRSSKB <= 0 {
		t.Errorf("peak RSS %d kB, want > 0", c.MaxRSSKB)
	}
	// Linux says what is resident, and of what kind; the kernel's VmRSS
	// is RssAnon + RssFile + RssShmem.
	if runtime.GOOS == "linux" && (c.RSSAnonKB <= 0 || c.RSSFileKB <= 0 || c.RSSKB < c.RSSAnonKB+c.RSSFileKB || c.RSSKB > c.MaxRSSKB) {
		t.Errorf("resident set at the end %d kB (anonymous %d, file %d, peak %d); want both parts, within the whole and the peak",
			c.RSSKB, c.RSSAnonKB, c.RSSFileKB, c.MaxRSSKB)
	}
	var b bytes.Buffer
	if err := report.WriteText(&b, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "client cost") || runtime.GOOS == "linux" && !strings.Contains(b.String(), "client RSS") {
		t.Errorf("text report without the client cost:\n%s", b.String())
	}
}
