// Command image builds portlab's container image without a container
// daemon: a static binary (CGO_ENABLED=0, -trimpath) in one layer, written
// as an OCI image layout that crane, skopeo or kind can push or load.
// The build is reproducible: the same source gives the same digest (fixed
// timestamps and owners, sorted entries, no build-host paths).
//
//	go run ./deploy/image -o portlab-image
//	skopeo copy oci:portlab-image:portlab:dev docker://REGISTRY/portlab:dev
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks what the user can fix before the build (exit 2).
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the OCI image layout into this directory (new or empty; required)")
	arch := fs.String("arch", runtime.GOARCH, "GOARCH of the image (its OS is linux)")
	ref := fs.String("ref", DefaultRef, "image name recorded in the layout's index (org.opencontainers.image.ref.name)")
	binary := fs.String("binary", "", "use this linux portlab binary instead of building one")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	digest, err := build(ctx, Options{Dir: *out, Arch: *arch, Ref: *ref, Binary: *binary})
	if err != nil {
		fmt.Fprintf(stderr, "image: %v\n", err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "%s %s\n", digest, *out)
	return 0
}

// build builds the binary unless one is given, then the layout.
func build(ctx context.Context, o Options) (string, error) {
	if err := checkOutDir(o.Dir); err != nil {
		return "", err
	}
	if o.Binary == "" {
		tmp, err := os.MkdirTemp("", "portlab-image-")
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(tmp)
		o.Binary = tmp + "/portlab"
		if err := BuildBinary(ctx, o.Binary, o.Arch); err != nil {
			return "", err
		}
	}
	h, err := WriteLayout(o)
	if err != nil {
		return "", err
	}
	return h.String(), nil
}

// checkOutDir accepts a directory that does not exist yet or is empty, so
// that a layout never mixes with an older build's blobs.
func checkOutDir(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: -o: required", errUsage)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: -o %s: %v", errUsage, dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%w: -o %s: not empty", errUsage, dir)
	}
	return nil
}
