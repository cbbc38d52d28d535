package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns/netnstest"
)

// TestReportDiagnosesLoads: portlab report gives the diagnosis portlab
// load printed, in every format, for results a real load wrote: the
// exhausted run's cause and fix beside the pooled run that met none.
func TestReportDiagnosesLoads(t *testing.T) {
	netnstest.Run(t, map[string]string{
		"net.ipv4.ip_local_port_range": "40000 40999",
		"net.ipv4.tcp_tw_reuse":        "0",
	}, func(t *testing.T) {
		srv := echotest.Start(t, nil)
		dir := t.TempDir()
		// The pooled run first: after the churn no port is left toward srv.
		for _, run := range []struct{ label, mode, requests string }{{"pooled", "pool", "300"}, {"churn", "new", "3000"}} {
			args := []string{"--target", srv.Addr().String(), "-c", "16", "--label", run.label, "--mode", run.mode,
				"--requests", run.requests, "--duration", "20s", "-q", "--out", filepath.Join(dir, run.label+".json")}
			var stdout, stderr bytes.Buffer
			if code := cmdLoad(t.Context(), args, &stdout, &stderr); code != exitOK {
				t.Fatalf("load %s: exit %d; stderr:\n%s", run.label, code, stderr.String())
			}
		}
		outs := reportFormatsOut(t, filepath.Join(dir, "churn.json"), filepath.Join(dir, "pooled.json"))
		for format, out := range outs {
			// A finding's run and cause, as each format writes them.
			cause := func(run, text string) string { return "Cause (" + run + "): " + text }
			if format == "json" {
				cause = func(run, text string) string { return `"run": "` + run + `", "cause": "` + text }
			}
			for _, want := range []string{
				cause("churn", "connect() failed with EADDRNOTAVAIL"),
				"of the 1000 ports of 40000-40999 toward " + srv.Addr().String() + " were held in TIME_WAIT",
				"reuse connections (--mode pool or --mode keepalive)",
				"pooled", "no errors",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("report --format %s lacks %q", format, want)
				}
			}
			if strings.Contains(out, cause("pooled", "")) {
				t.Errorf("report --format %s names a cause for the pooled run", format)
			}
		}
	})
}
