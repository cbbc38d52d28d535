//go:build !linux

package loadgen

import (
	"context"
	"net"
)

// connector is how the Transport's dials connect: elsewhere than on
// Linux, through package net (Runner.dialTCP), whose dial the stop's
// abort fails even once connected.
func (h *httpProtocol) connector() func(ctx context.Context, n int) (net.Conn, error) {
	return tcpProtocol{h.r}.dial
}
