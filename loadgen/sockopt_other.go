//go:build !linux

package loadgen

import (
	"syscall"
)

// platformSockopts is false: SO_REUSEADDR and IP_BIND_ADDRESS_NO_PORT are
// implemented for Linux only, and Validate refuses them elsewhere.
const platformSockopts = false

func dialControl(c *Config) func(network, address string, rc syscall.RawConn) error {
	return nil
}
