package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// await returns at once when ctx ends, though the step it waits for never
// does (a scenario parse takes no context), and passes a step's own
// outcome through.
func TestAwait(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	never := make(chan struct{})
	defer close(never)
	cancel()
	if _, err := await(ctx, func() (int, error) { <-never; return 1, nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("await of a step that never ends, ctx cancelled: %v, want context.Canceled", err)
	}
	v, err := await(t.Context(), func() (int, error) { return 7, os.ErrNotExist })
	if v != 7 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("await = %d, %v; want 7, %v", v, err, os.ErrNotExist)
	}
}

// commit writes nothing once the command's context has ended.
func TestCommitAfterInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.WithValue(t.Context(), gateKey{}, &outputGate{}))
	cancel()
	path := filepath.Join(t.TempDir(), "out")
	code := writeOutput(ctx, path, []byte("x"), nil, nil, "report")
	if _, err := os.Stat(path); code != exitInterrupted || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("writeOutput after the interrupt: exit %d, stat %v; want %d and no file", code, err, exitInterrupted)
	}
}
