package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// DefaultRef is the name the layout's index gives the image; the
	// Kubernetes manifests default to the same name.
	DefaultRef = "portlab:dev"
	// Entrypoint is where the binary lives in the image.
	Entrypoint = "/usr/local/bin/portlab"
	// User is distroless's "nonroot": no name in any base image needed,
	// and never uid 0.
	User = "65532:65532"
)

// epoch stamps every file, the layer's history and the config, so that
// the digest depends on the binary alone.
var epoch = time.Unix(0, 0).UTC()

// Options says what to build and where.
type Options struct {
	Dir    string // the OCI layout, created if missing
	Arch   string // GOARCH; the OS is always linux
	Ref    string // org.opencontainers.image.ref.name
	Binary string // the linux portlab binary to put in the image
}

// BuildBinary builds a static, reproducible portlab for linux/arch: no
// cgo (no libc in the image), -trimpath (no build-host paths), no symbol
// tables (a smaller layer; panics still print stacks).
func BuildBinary(ctx context.Context, out, arch string) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w -buildid=",
		"-o", out, "./cmd/portlab")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, stderr.Bytes())
	}
	return nil
}

// moduleRoot is the directory of portlab's go.mod, so the build works
// from any directory of the module.
func moduleRoot(ctx context.Context) (string, error) {
	b, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// WriteLayout writes the image with o.Binary as its entrypoint into the
// layout o.Dir and returns the image manifest's digest.
func WriteLayout(o Options) (v1.Hash, error) {
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := Image(bin, o.Arch)
	if err != nil {
		return v1.Hash{}, err
	}
	p, err := layout.Write(o.Dir, empty.Index)
	if err != nil {
		return v1.Hash{}, err
	}
	err = p.AppendImage(img,
		layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": o.Ref}),
		layout.WithPlatform(v1.Platform{OS: "linux", Architecture: o.Arch}))
	if err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}

// Image is the OCI image: one layer with the binary, no shell, run as a
// user that is not root.
func Image(binary []byte, arch string) (v1.Image, error) {
	gz, err := layerTarGz(binary)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gz)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "portlab deploy/image", Comment: "static portlab binary"},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Created = v1.Time{Time: epoch}
	cf.Config = v1.Config{
		Entrypoint: []string{Entrypoint},
		User:       User,
		WorkingDir: "/",
		Env:        []string{"PATH=/usr/local/bin"},
	}
	return mutate.ConfigFile(img, cf)
}

// layerTarGz is the layer: the binary and the directories above it,
// plus a world-writable /tmp for --out where the root is writable (the
// Kubernetes manifests make it read-only and print results instead), in
// sorted order, owned by root, stamped with the epoch. gzip's header
// carries no name and no time.
func layerTarGz(binary []byte) ([]byte, error) {
	entries := []struct {
		name string
		mode int64
		body []byte
		dir  bool
	}{
		{"tmp/", 0o1777, nil, true},
		{"usr/", 0o755, nil, true},
		{"usr/local/", 0o755, nil, true},
		{"usr/local/bin/", 0o755, nil, true},
		{strings.TrimPrefix(Entrypoint, "/"), 0o755, binary, false},
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, ModTime: epoch, Format: tar.FormatUSTAR,
			Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		if e.dir {
			h.Typeflag = tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
