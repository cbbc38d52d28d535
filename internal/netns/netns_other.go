//go:build !linux

package netns

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
)

var errUnsupported = fmt.Errorf("netns: network namespaces need Linux: %w", errors.ErrUnsupported)

// Available reports nil if this process can create a private network
// namespace. Network namespaces exist only on Linux.
func Available() error { return errUnsupported }

// Command would run the current executable in a new network namespace; the
// returned command fails to start with an error wrapping
// errors.ErrUnsupported.
func Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "portlab-netns-unsupported", args...)
	cmd.Err = errUnsupported
	return cmd
}

// Setup brings lo up and writes sysctls inside a namespace started by
// Command. Network namespaces exist only on Linux.
func Setup(sysctls map[string]string) error { return errUnsupported }

// IsHost reports whether the caller is in the host's network namespace;
// without namespaces it always is.
func IsHost() bool { return true }

// Label names the caller's network namespace for a result; without
// namespaces it is always the host's.
func Label() string { return "host" }

// Init answers the probe started by Available; without namespaces there is
// none, so it returns at once.
func Init() {}

// Of would return the network namespace of process pid; without
// namespaces there is none.
func Of(pid int) (ID, error) { return ID{}, errUnsupported }

// Verify would check that this process runs in namespace want; without
// namespaces it never does.
func Verify(want ID) error { return fmt.Errorf("%w: %w", ErrNotCreated, errUnsupported) }
