package kubernetes

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/report"
)

// fakeKubectl answers the calls collect.sh makes from files in its
// directory: a stand-in for the cluster's API (no cluster here), while
// the logs it serves are real portlab load output.
const fakeKubectl = `#!/usr/bin/env bash
set -eu
d=$(dirname "$0")
case "$*" in
"get job portlab-load -o jsonpath={.spec.completions}") cat "$d/completions" ;;
"get job portlab-load -o jsonpath={.status.conditions"*) cat "$d/conditions" ;;
"get pods -l job-name=portlab-load -o "*) cat "$d/pods" ;;
"logs "*) cat "$d/$2.log" ;;
*) echo "fake kubectl: unexpected: $*" >&2; exit 99 ;;
esac
`

// TestCollect runs collect.sh over two shards' real results, served as
// pod logs with stray lines around them, and wants the merge to hold
// exactly the sum of the parts; and a failed Job, a missing shard or a
// log without a result to stop it.
func TestCollect(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("collect.sh needs bash")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	portlab, cleanup, err := testsupport.Portlab()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	logs := shardLogs(t, ctx, portlab)
	const pods = "0 portlab-load-0-x Succeeded\n1 portlab-load-1-x Succeeded\n"
	for _, tc := range []struct {
		name                    string
		completions, conditions string
		pods                    string
		wantCode                int
		want                    string
	}{
		{"complete", "2", "SuccessCriteriaMet Complete", pods, 0, ""},
		{"failed", "2", "FailureTarget Failed", pods, 1, "failed"},
		{"shard missing", "3", "Complete", pods, 1, "2 results of succeeded pods, want 3"},
		{"index twice", "2", "Complete", pods + "1 portlab-load-0-x Succeeded\n", 1, "index 1: pods"},
		{"no result", "1", "Complete", "0 portlab-load-2-x Succeeded\n", 1, "no result JSON"},
		{"timeout not a number", "2", "Complete", pods, 2, "TIMEOUT"},
	} {
		bin := filepath.Join(tmp, tc.name)
		files := map[string]string{"kubectl": fakeKubectl, "completions": tc.completions,
			"conditions": tc.conditions, "pods": tc.pods, "portlab-load-2-x.log": "portlab load: dial: refused\n"}
		for pod, log := range logs {
			files[pod+".log"] = log
		}
		writeFiles(t, bin, files)
		results := filepath.Join(tmp, tc.name+"-results")
		cmd := exec.CommandContext(ctx, "bash", "collect.sh", results)
		timeout := "0" // every state is final at once
		if strings.HasPrefix(tc.name, "timeout") {
			timeout = "1m"
		}
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "PORTLAB="+portlab, "TIMEOUT="+timeout)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != tc.wantCode || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: exit %d (%v), stderr %q; want %d and %q", tc.name, code, err, stderr.String(), tc.wantCode, tc.want)
		}
		if tc.wantCode != 0 {
			continue
		}
		merged, err := report.ReadFile(filepath.Join(results, "merged.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := merged.Totals.RequestsOK; got != 101 || len(merged.Parts) != 2 || merged.Parts[1].Shard == nil {
			t.Errorf("merged requests_ok %d of %d parts, want 51 + 50 of shards 0/2 and 1/2", got, len(merged.Parts))
		}
	}
}

// shardLogs are the logs of the two pods of a Job of 2 shards of 101
// requests, as kubectl logs shows them: a line of stderr around the
// result JSON.
func shardLogs(t *testing.T, ctx context.Context, portlab string) map[string]string {
	t.Helper()
	srv := echotest.Start(t, nil)
	logs := map[string]string{}
	for i := range 2 {
		cmd := exec.CommandContext(ctx, portlab, "load", "--shards", "2", "--target", srv.Addr().String(),
			"-n", "101", "-c", "2", "--json", "--quiet")
		cmd.Env = append(os.Environ(), fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("portlab load: %v", err)
		}
		logs[fmt.Sprintf("portlab-load-%d-x", i)] = "portlab load: a line on stderr\n" + string(out) + "portlab load: another\n"
	}
	return logs
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
