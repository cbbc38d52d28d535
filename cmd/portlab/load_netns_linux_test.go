package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/report"
)

// TestLoadStopsDespiteEnvironment runs portlab load in a namespace whose
// PORTLAB_NETNS=1 anyone could have set: only --sustain-exhaustion may
// carry the load past the first EADDRNOTAVAIL, and the result says the
// namespace is shared, never sandbox.
func TestLoadStopsDespiteEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name     string
		flags    []string
		wantStop bool
	}{
		{"default", nil, true},
		{"sustain-exhaustion", []string{"--sustain-exhaustion"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			netnstest.Run(t, map[string]string{
				"net.ipv4.ip_local_port_range": "40000 40999",
				"net.ipv4.tcp_tw_reuse":        "0",
			}, func(t *testing.T) {
				if os.Getenv(netns.EnvInside) != "1" {
					t.Fatalf("%s is not 1 in the namespace", netns.EnvInside)
				}
				srv := echotest.Start(t, nil)
				out := filepath.Join(t.TempDir(), "r.json")
				args := append([]string{"--target", srv.Addr().String(), "--mode", "new", "-c", "16",
					"--requests", "3000", "--duration", "20s", "--interval", "100ms", "-q", "--out", out}, tc.flags...)
				var stdout, stderr bytes.Buffer
				if code := cmdLoad(t.Context(), args, &stdout, &stderr); code != exitOK {
					t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
				}
				res, err := report.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if res.Errors["EADDRNOTAVAIL"] == 0 {
					t.Fatalf("no EADDRNOTAVAIL: errors %v, totals %+v", res.Errors, res.Totals)
				}
				if stopped := res.StopReason == report.StopOnset; stopped != tc.wantStop {
					t.Errorf("stop_reason %q (EADDRNOTAVAIL %d): stopped at onset %v, want %v",
						res.StopReason, res.Errors["EADDRNOTAVAIL"], stopped, tc.wantStop)
				}
				if got := res.Environment.Netns; got != netns.Label() || !strings.HasPrefix(got, "shared:net:[") {
					t.Errorf("environment.netns = %q, want %q (shared:net:[INODE])", got, netns.Label())
				}
			})
		})
	}
}

// TestLoadExplains: portlab load explains its result as portlab run does:
// what failed and when, who holds the TIME_WAIT, and the fix; and says no
// cause when nothing ran out.
func TestLoadExplains(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		want  []string
		not   []string
	}{
		{"new", []string{"--mode", "new", "--requests", "3000"}, []string{
			"\nDiagnosis\n  Cause (ex): connect() failed with EADDRNOTAVAIL",
			"of the 1000 ports of 40000-40999 toward ",
			"held in TIME_WAIT by the client, which closed first.",
			"Fix: reuse connections (--mode pool or --mode keepalive)",
		}, []string{"Each run, measured"}},
		{"pool", []string{"--mode", "pool", "--requests", "300"}, []string{
			"\nDiagnosis\n  No run exhausted its ports.\n",
		}, []string{"Cause", "Fix:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			netnstest.Run(t, map[string]string{
				"net.ipv4.ip_local_port_range": "40000 40999",
				"net.ipv4.tcp_tw_reuse":        "0",
			}, func(t *testing.T) {
				srv := echotest.Start(t, nil)
				args := append([]string{"--target", srv.Addr().String(), "-c", "16", "--label", "ex",
					"--duration", "20s", "-q"}, tc.flags...)
				var stdout, stderr bytes.Buffer
				if code := cmdLoad(t.Context(), args, &stdout, &stderr); code != exitOK {
					t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
				}
				// Words, not lines: the text is wrapped to 100 columns.
				words := strings.Join(strings.Fields(stdout.String()), " ")
				for _, w := range tc.want {
					if !strings.Contains(words, strings.Join(strings.Fields(w), " ")) {
						t.Errorf("output lacks %q:\n%s", w, stdout.String())
					}
				}
				for _, w := range tc.not {
					if strings.Contains(words, w) {
						t.Errorf("output has %q:\n%s", w, stdout.String())
					}
				}
			})
		})
	}
}
