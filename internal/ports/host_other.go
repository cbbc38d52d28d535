//go:build !linux && !darwin && !freebsd && !windows

package ports

import (
	"errors"
	"fmt"
	"runtime"
)

const statesUnsupported = "socket states: not implemented on this OS"

func readHost(r *Report) ([][2]int, error) {
	return nil, fmt.Errorf("ports: inspecting ephemeral ports is implemented on linux, darwin, freebsd and windows, not on %s: %w",
		runtime.GOOS, errors.ErrUnsupported)
}
