package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portlab/portlab/deploy/kubernetes"
)

// TestRun: the flags reach the manifests (one change of -shards moves
// completions, parallelism and --shards together), and a wrong value
// exits 2 naming it.
func TestRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-shards", "6", "-rate", "600", "-concurrency", "12", "-port-range", "2000 60001"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var m kubernetes.Manifests
	if err := kubernetes.Decode("stdout", stdout.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := *m.Job.Spec.Parallelism; got != 6 {
		t.Errorf("parallelism %d, want 6", got)
	}
	if got := m.Job.Spec.Template.Spec.SecurityContext.Sysctls[0].Value; got != "2000 60001" {
		t.Errorf("port range %q, want 2000 60001", got)
	}
	if args := strings.Join(m.Job.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(args, "--rate 600") {
		t.Errorf("args %q, want --rate 600", args)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-shards", "0"}, "shards"},
		{[]string{"-port-range", "1024"}, "port-range"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		stderr.Reset()
		if code := run(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("gen %q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestRunOut: -o makes the directory and writes the files the package
// renders.
func TestRunOut(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run") // made by -o
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-o", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, name := range []string{kubernetes.EchoFile, kubernetes.LoadFile} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("%s: -o with the defaults differs from the committed file", name)
		}
	}
}
