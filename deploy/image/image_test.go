package main

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// TestImage builds portlab once, the image from it twice, and checks what
// a cluster relies on: the same digest both times, the entrypoint, a
// numeric user that is not root (the kubelet can only enforce
// runAsNonRoot on a numeric user), and a static binary in the layer that
// runs.
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds portlab")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute) // inside go test's 10, so cleanups run
	defer cancel()
	bin := filepath.Join(t.TempDir(), "portlab")
	if err := BuildBinary(ctx, bin, runtime.GOARCH); err != nil {
		t.Fatal(err)
	}
	var digests [2]v1.Hash
	var dirs [2]string
	for i := range dirs {
		dirs[i] = filepath.Join(t.TempDir(), "layout")
		h, err := WriteLayout(Options{Dir: dirs[i], Arch: runtime.GOARCH, Ref: DefaultRef, Binary: bin})
		if err != nil {
			t.Fatal(err)
		}
		digests[i] = h
	}
	if digests[0] != digests[1] {
		t.Errorf("two builds from one binary: digests %s and %s, want equal", digests[0], digests[1])
	}
	img := readLayout(t, dirs[1], digests[1])
	checkConfig(t, img)
	extracted := extractEntrypoint(t, img)
	checkStatic(t, extracted)
	if runtime.GOOS != "linux" {
		return // the image's binary is linux's
	}
	out, err := exec.CommandContext(ctx, extracted, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", Entrypoint, err, out)
	}
	if !strings.Contains(string(out), "portlab") {
		t.Errorf("%s version printed %q, want portlab's version", Entrypoint, out)
	}
	t.Run("runc", func(t *testing.T) { checkUnderRuntime(t, ctx, img) })
}

// readLayout reads the image back from the layout, through its index, as
// a registry client would.
func readLayout(t *testing.T, dir string, want v1.Hash) v1.Image {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Digest != want {
		t.Fatalf("index lists %+v, want the one image %s", m.Manifests, want)
	}
	if got := m.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; got != DefaultRef {
		t.Errorf("index ref.name %q, want %q", got, DefaultRef)
	}
	img, err := idx.Image(want)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func checkConfig(t *testing.T, img v1.Image) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cf.Config.Entrypoint; len(got) != 1 || got[0] != Entrypoint {
		t.Errorf("entrypoint %q, want [%s]", got, Entrypoint)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	uid, gid, ok := strings.Cut(cf.Config.User, ":")
	u, uerr := strconv.Atoi(uid)
	g, gerr := strconv.Atoi(gid)
	if !ok || uerr != nil || gerr != nil || u == 0 || g == 0 {
		t.Errorf("user %q, want numeric UID:GID, neither 0", cf.Config.User)
	}
	if !cf.Created.Time.Equal(epoch) {
		t.Errorf("created %v, want the fixed %v", cf.Created.Time, epoch)
	}
}

// extractEntrypoint writes the entrypoint's file from the layer to a
// temporary file and returns its path.
func extractEntrypoint(t *testing.T, img v1.Image) string {
	t.Helper()
	path := ""
	err := walkLayers(img, func(h *tar.Header, r io.Reader) error {
		if "/"+h.Name != Entrypoint {
			return nil
		}
		if h.Mode&0o111 != 0o111 || h.Uid != 0 || !h.ModTime.Equal(epoch) {
			t.Errorf("%s: mode %o, uid %d, mtime %v; want executable by all, owned by root, at the epoch",
				Entrypoint, h.Mode, h.Uid, h.ModTime)
		}
		path = filepath.Join(t.TempDir(), "portlab")
		return writeEntry(path, r, 0o755)
	})
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		t.Fatalf("no %s in the image", Entrypoint)
	}
	return path
}

// walkLayers calls fn for every entry of the image's flattened layers.
func walkLayers(img v1.Image, fn func(*tar.Header, io.Reader) error) error {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(h, tr); err != nil {
			return err
		}
	}
}

// checkStatic fails if the binary asks for a dynamic loader: the image
// has no libc.
func checkStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has an ELF interpreter: not static", Entrypoint)
		}
	}
}

// TestRunUsage: what the user can fix before the build exits 2 and names
// the flag.
func TestRunUsage(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-o: required"},
		{[]string{"-o", full}, "not empty"},
		{[]string{"-nosuchflag"}, "not defined"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, &stdout, &stderr); code != 2 {
			t.Errorf("image %q: exit %d, want 2", tc.args, code)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("image %q: stderr %q, want it to say %q", tc.args, stderr.String(), tc.want)
		}
	}
}
