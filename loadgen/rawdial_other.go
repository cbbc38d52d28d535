//go:build !linux

package loadgen

import (
	"net"
	"time"
)

// withLiveDial returns p: elsewhere than on Linux, package net dials.
func withLiveDial(p tcpProtocol) connProtocol { return p }

// setConnDeadline sets c's deadline.
func setConnDeadline(c net.Conn, t time.Time) error { return c.SetDeadline(t) }
