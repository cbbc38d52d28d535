//go:build !linux

package procsock

import (
	"errors"
	"fmt"
	"runtime"
)

// Owners names socket owners through /proc, which only Linux has; elsewhere
// the error wraps errors.ErrUnsupported.
func Owners(wanted []uint32) (*Result, error) {
	return nil, fmt.Errorf("procsock: naming socket owners reads /proc/PID/fd, which %s lacks: %w", runtime.GOOS, errors.ErrUnsupported)
}
