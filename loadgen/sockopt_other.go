//go:build !linux

package loadgen

import (
	"syscall"
)

func dialControl(c *Config) func(network, address string, rc syscall.RawConn) error {
	return nil
}
