package kubernetes

import (
	"bytes"
	"context"
	"encoding/json"
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

// TestJobCommandLine runs the load Job's command line, exactly as
// generated but aimed at a loopback echo server, once per completion
// index with JOB_COMPLETION_INDEX set as the Job controller sets it: each
// pod's stdout must be its shard's result, and the shards' results must
// merge to the whole load. It needs a portlab with --shards.
func TestJobCommandLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	exe, cleanup, err := testsupport.Portlab()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	if help, _ := exec.CommandContext(ctx, exe, "load", "--help").CombinedOutput(); !bytes.Contains(help, []byte("--shards")) {
		t.Skip("this portlab has no load --shards")
	}
	srv := echotest.Start(t, nil)
	p := DefaultParams()
	p.Target, p.Requests, p.Rate = srv.Addr().String(), 402, 400
	m, err := Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	_, args := m.loadArgs()
	var files []string
	for i := range p.Shards {
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Env = append(os.Environ(), fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("shard %d: portlab %s: %v\n%s", i, strings.Join(args, " "), err, stderr.Bytes())
		}
		var shard struct{ Shard struct{ Index, Count int } }
		if err := json.Unmarshal(out, &shard); err != nil {
			t.Fatalf("shard %d: stdout is not the result JSON: %v", i, err)
		}
		if shard.Shard.Index != i || shard.Shard.Count != p.Shards {
			t.Errorf("pod %d's result says shard %+v, want %d of %d", i, shard.Shard, i, p.Shards)
		}
		files = append(files, filepath.Join(t.TempDir(), "shard.json"))
		if err := os.WriteFile(files[i], out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	merged := filepath.Join(t.TempDir(), "merged.json")
	if out, err := exec.CommandContext(ctx, exe, append([]string{"report", "merge", "-o", merged}, files...)...).CombinedOutput(); err != nil {
		t.Fatalf("report merge: %v\n%s", err, out)
	}
	res, err := report.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.RequestsOK != p.Requests {
		t.Errorf("merged: %d requests OK, want the Job's %d", res.Totals.RequestsOK, p.Requests)
	}
}
