//go:build !linux

package sockstate

import (
	"errors"
	"fmt"
	"runtime"
)

var errUnsupported = fmt.Errorf("sockstate: reading TCP socket states is implemented only on Linux (netlink sock_diag), not on %s: %w",
	runtime.GOOS, errors.ErrUnsupported)

// Take samples every TCP socket of the namespace. Only Linux is supported;
// elsewhere the error wraps [errors.ErrUnsupported].
func Take() (*Sample, error) { return nil, errUnsupported }

// Count returns how many TCP sockets are in TIME_WAIT and in ESTABLISHED.
// Only Linux is supported; elsewhere the error wraps [errors.ErrUnsupported].
func Count() (timeWait, established int, err error) { return 0, 0, errUnsupported }
