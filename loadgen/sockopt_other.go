//go:build !linux

package loadgen

import (
	"fmt"
	"net"
	"syscall"
)

// dialControl: SO_REUSEADDR and IP_BIND_ADDRESS_NO_PORT are implemented on
// Linux only (Validate refuses them elsewhere).
func dialControl(c *Config) func(network, address string, rc syscall.RawConn) error {
	return nil
}

// afterDial sets SO_LINGER once connected, through package net, which
// knows each platform's socket type.
func afterDial(c *net.TCPConn, cfg *Config) error {
	if cfg.Linger < 0 {
		return nil
	}
	if err := c.SetLinger(cfg.Linger); err != nil {
		return fmt.Errorf("set SO_LINGER: %w", err)
	}
	return nil
}
