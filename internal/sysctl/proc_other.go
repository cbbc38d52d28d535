//go:build !linux

package sysctl

import (
	"errors"
	"fmt"
)

// errUnsupported: sysctls under /proc/sys are Linux's.
var errUnsupported = fmt.Errorf("/proc/sys needs Linux: %w", errors.ErrUnsupported)

func readFile(path string) ([]byte, error) { return nil, errUnsupported }

func writeFile(path, value string) error { return errUnsupported }
