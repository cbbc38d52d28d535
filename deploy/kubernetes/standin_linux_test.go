package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/report"
)

// TestStandin runs standin.sh, the local stand-in for the Indexed Job: N
// shard processes with JOB_COMPLETION_INDEX set, each in a namespace of
// its own on a bridge, against one echo server namespace, merged by
// portlab report merge. Verdicts are counts, never rates or times.
func TestStandin(t *testing.T) {
	requireStandin(t)
	exe, cleanup, err := testsupport.Portlab()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)

	// 4 shards of --rate R --requests K send exactly K requests: each its
	// share, and the merge adds them up exactly.
	t.Run("requests", func(t *testing.T) {
		const shards, rate, requests = 4, 200, 402
		shardRs, m := standin(t, exe, shards, "", "--rate", fmt.Sprint(rate), "--requests", fmt.Sprint(requests),
			"--concurrency", "8", "--duration", "60s")
		for i, r := range shardRs {
			want := config.Shard{Index: i, Count: shards}.Part(requests)
			if r.Totals.RequestsStarted != want || r.Totals.RequestsOK != want || r.Config.Rate != rate/shards {
				t.Errorf("shard %d: %d started, %d ok at %g/s; want its share, %d at %d/s",
					i, r.Totals.RequestsStarted, r.Totals.RequestsOK, r.Config.Rate, want, rate/shards)
			}
		}
		if got := m.Totals; got.RequestsStarted != requests || got.RequestsOK != requests {
			t.Errorf("merged: %d started, %d ok; want exactly %d", got.RequestsStarted, got.RequestsOK, requests)
		}
		checkMerged(t, m, shardRs)
		if want := fmt.Sprintf("open loop %d/s (max 8 in flight), in %d shards", rate, shards); !strings.HasSuffix(m.Strategy, want) {
			t.Errorf("merged strategy %q; want the whole load's, ending %q", m.Strategy, want)
		}
		t.Logf("%d shards: %d requests in %.2f s, %.1f/s (asked %d/s)", shards, m.Totals.RequestsOK, m.ElapsedS,
			m.Throughput.RequestsPerS, rate)
	})

	// Toward one destination a client has only its port range: 4 clients,
	// each with its own range, hold 4 times the connections one holds.
	t.Run("connections", func(t *testing.T) {
		const ports, perShard = 100, 150 // more workers than ports: each client runs out
		held := map[int]int64{}
		for _, shards := range []int{1, 4} {
			shardRs, m := standin(t, exe, shards, "40000 40099", "--mode", "keepalive",
				"--concurrency", fmt.Sprint(perShard*shards), "--duration", "60s")
			for i, r := range shardRs {
				o, ok := r.Onset["EADDRNOTAVAIL"]
				if r.Totals.ConnectionsOpened != ports || !ok || o.ConnectionsBefore != ports {
					t.Errorf("%d clients, client %d: %d connections, onset %+v; want %d, then EADDRNOTAVAIL",
						shards, i, r.Totals.ConnectionsOpened, r.Onset, ports)
				}
			}
			checkMerged(t, m, shardRs)
			held[shards] = m.Totals.ConnectionsOpened
		}
		if held[4] != 4*held[1] || held[1] != ports {
			t.Errorf("4 clients held %d connections, one %d: want 4 × %d", held[4], held[1], ports)
		}
		t.Logf("connections before exhaustion, %d ports per client: 1 client %d, 4 clients %d", ports, held[1], held[4])
	})
}

// requireStandin skips (or fails, in CI) where the script cannot run.
func requireStandin(t *testing.T) {
	var err error
	if os.Geteuid() != 0 {
		err = errors.New("standin.sh needs root")
	}
	for _, tool := range []string{"bash", "ip", "ss", "unshare"} {
		if _, lerr := exec.LookPath(tool); lerr != nil {
			err = errors.Join(err, lerr)
		}
	}
	testsupport.Require(t, testsupport.EnvRequireNetns, err)
}

// standin runs standin.sh with n shards (and, if set, the port range of
// every client) and returns each shard's result and the merged one.
func standin(t *testing.T, exe string, n int, portRange string, load ...string) ([]*report.Result, *report.Result) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	args := []string{"-n", fmt.Sprint(n), "-d", dir}
	if portRange != "" {
		args = append(args, "-r", portRange)
	}
	cmd := exec.CommandContext(ctx, "./standin.sh", append(append(args, "--"), load...)...)
	cmd.Env = append(os.Environ(), "PORTLAB="+exe)
	// At the timeout, the script and every process it started (the shards
	// and the echo server share its process group) end, not the script
	// alone, which would leave the server running in its namespace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			t.Logf("%s:\n%s", filepath.Base(l), b)
		}
		t.Fatalf("standin.sh %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, out)
	}
	rs := make([]*report.Result, n)
	for i := range rs {
		if rs[i], err = report.ReadFile(filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))); err != nil {
			t.Fatal(err)
		}
		if s := rs[i].Shard; s == nil || *s != (config.Shard{Index: i, Count: n}) {
			t.Errorf("shard-%d.json is labelled shard %v", i, s)
		}
	}
	m, err := report.ReadFile(filepath.Join(dir, "merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	return rs, m
}

// checkMerged checks that m adds up rs exactly: every total, every
// histogram bucket, and keeps each one's onsets as its part.
func checkMerged(t *testing.T, m *report.Result, rs []*report.Result) {
	t.Helper()
	var sum report.Totals
	sv := reflect.ValueOf(&sum).Elem()
	for _, r := range rs {
		rv := reflect.ValueOf(r.Totals)
		for i := range rv.NumField() {
			sv.Field(i).SetInt(sv.Field(i).Int() + rv.Field(i).Int())
		}
	}
	if m.Totals != sum {
		t.Errorf("merged totals %+v\nsum of the shards' %+v", m.Totals, sum)
	}
	for _, h := range []struct {
		name string
		pick func(*report.Result) report.Histogram
	}{
		{"connect", func(r *report.Result) report.Histogram { return r.Latency.Connect }},
		{"round trip", func(r *report.Result) report.Histogram { return r.Latency.RoundTrip }},
		{"total", func(r *report.Result) report.Histogram { return r.Latency.Total }},
	} {
		checkHistogram(t, h.name, h.pick(m), rs, h.pick)
	}
	if len(m.Parts) != len(rs) {
		t.Fatalf("merged result has %d parts, want %d", len(m.Parts), len(rs))
	}
	for i, p := range m.Parts {
		if !reflect.DeepEqual(p.Shard, rs[i].Shard) || p.Totals != rs[i].Totals || !reflect.DeepEqual(p.Onset, rs[i].Onset) {
			t.Errorf("part %d: shard %v, %+v, onsets %v; want shard %d's %+v, %v", i, p.Shard, p.Totals, p.Onset, i, rs[i].Totals, rs[i].Onset)
		}
	}
	if strings.Contains(strings.Join(m.Notes, "\n"), "missing shards") {
		t.Errorf("merge of every shard notes a missing one: %q", m.Notes)
	}
}

// checkHistogram checks that the merged histogram got is, bucket for
// bucket, the sum of the shards'.
func checkHistogram(t *testing.T, name string, got report.Histogram, rs []*report.Result, pick func(*report.Result) report.Histogram) {
	t.Helper()
	want := report.NewHDR()
	for _, r := range rs {
		h, err := pick(r).Decode()
		if err != nil {
			t.Fatal(err)
		}
		want.Merge(h)
	}
	g, err := got.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Distribution(), want.Distribution()) || got.Count != want.TotalCount() {
		t.Errorf("%s: merged histogram holds %d values, the shards' %d, or its buckets differ", name, got.Count, want.TotalCount())
	}
}

// standin.sh changes only namespaces it made: started with its marker
// variable set but still in the namespaces it names (a marker leaked into
// the environment), it refuses, exit 2, rather than mount over /run and
// add a bridge. It runs inside a private namespace of the test's own, so
// that a script that did not refuse changes nothing of the host's.
func TestStandinRefusesOuterNamespaces(t *testing.T) {
	requireStandin(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	const leaked = `PORTLAB=/bin/true PORTLAB_STANDIN_OUTER="$(readlink /proc/self/ns/net) $(readlink /proc/self/ns/mnt)" ./standin.sh -n 1 -d "$0" 2>&1; echo "exit $?"; ip -o link show | wc -l`
	out, err := exec.CommandContext(ctx, "unshare", "--net", "--mount", "--propagation", "private", "--", "bash", "-c", leaked, t.TempDir()).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 || lines[len(lines)-2] != "exit 2" || lines[len(lines)-1] != "1" {
		t.Errorf("standin.sh in the namespaces it was started in: %q; want exit 2, lo alone", out)
	}
}
