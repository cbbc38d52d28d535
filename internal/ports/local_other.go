//go:build !linux

package ports

import (
	"errors"
	"fmt"
)

// LocalPorts are the Linux sysctls that decide which ports connect() may
// pick.
type LocalPorts struct {
	Lo, Hi      int
	Reserved    [][2]int
	ReservedRaw string
}

// ReadLocalPorts reads Linux sysctls; elsewhere it is unsupported.
func ReadLocalPorts() (LocalPorts, error) {
	return LocalPorts{}, fmt.Errorf("ports: ip_local_port_range is Linux's: %w", errors.ErrUnsupported)
}
