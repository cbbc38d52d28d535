package kubernetes

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/testsupport"
)

// committedFiles are the YAML files beside the package (the stand-in's
// files, standin*, are not manifests).
func committedFiles(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, "standin") {
			out = append(out, n)
		}
	}
	return out
}

func decodeFiles(t *testing.T, files map[string][]byte) Manifests {
	t.Helper()
	var m Manifests
	for name, data := range files {
		if err := Decode(name, data, &m); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// TestCommittedUpToDate: the committed manifests are what the generator
// makes from the defaults (go test -run TestCommittedUpToDate -update
// rewrites them, as does go run ./deploy/kubernetes/gen -o deploy/kubernetes).
func TestCommittedUpToDate(t *testing.T) {
	m, err := Generate(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	files, err := Render(m, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		testsupport.Golden(t, name, want)
	}
}

// TestCommittedValid decodes every committed manifest strictly and checks
// every invariant.
func TestCommittedValid(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range committedFiles(t) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	if len(files) == 0 {
		t.Fatal("no manifests")
	}
	if err := decodeFiles(t, files).Validate(); err != nil {
		t.Error(err)
	}
}

// TestGenerateValid: manifests made for other shapes of load pass the
// checks too, and say the shard count everywhere it matters.
func TestGenerateValid(t *testing.T) {
	for _, mod := range []func(*Params){
		func(p *Params) { p.Shards, p.Concurrency = 1, 1 },
		func(p *Params) { p.Shards, p.Concurrency, p.Requests = 7, 10000, 7000 },
		func(p *Params) { p.Mode, p.Rate, p.StartAt = "keepalive", 0, "2030-01-02T03:04:05Z" },
		func(p *Params) {
			p.Target, p.Image = "10.0.0.1:80", "registry.example/portlab@sha256:"+strings.Repeat("a", 64)
		},
	} {
		p := DefaultParams()
		mod(&p)
		m, err := Generate(p)
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		files, err := Render(m, p)
		if err != nil {
			t.Fatal(err)
		}
		back := decodeFiles(t, files)
		if err := back.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
		if got := *back.Job.Spec.Completions; int(got) != p.Shards {
			t.Errorf("%+v: completions %d, want %d", p, got, p.Shards)
		}
	}
}

func TestParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Params)
		want string
	}{
		{func(p *Params) { p.Shards = 0 }, "shards"},
		{func(p *Params) { p.Concurrency = 3 }, "concurrency"},
		{func(p *Params) { p.Requests = 2 }, "requests"},
		{func(p *Params) { p.Rate = -1 }, "rate"},
		{func(p *Params) { p.Duration = 0 }, "duration"},
		{func(p *Params) { p.Image = "" }, "image"},
		{func(p *Params) { p.Target = "portlab-echo" }, "target"},
		{func(p *Params) { p.CPU = "one" }, "cpu"},
		{func(p *Params) { p.StartAt = "tomorrow" }, "start-at"},
		{func(p *Params) { p.PortRange = [2]int{80, 65535} }, "port range"},
		{func(p *Params) { p.PortRange = [2]int{1024, 65534} }, "parity"},
	} {
		p := DefaultParams()
		tc.mod(&p)
		if _, err := Generate(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one about %s", p, err, tc.want)
		}
	}
}

// TestNotInBinary: portlab's binary carries neither the Kubernetes types
// nor the image library; they are for deployment only.
func TestNotInBinary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-deps", "github.com/portlab/portlab/cmd/portlab").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/", "sigs.k8s.io/", "github.com/google/go-containerregistry", "github.com/portlab/portlab/deploy"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("cmd/portlab depends on %s", pkg)
			}
		}
	}
}
