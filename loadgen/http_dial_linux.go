package loadgen

import (
	"context"
	"net"
	"os"
	"syscall"
	"time"
)

// connector is how the Transport's dials connect: by the engine's own
// dial, as liveTCP's, unless an address has an IPv6 zone (withLiveDial).
func (h *httpProtocol) connector() func(ctx context.Context, n int) (net.Conn, error) {
	p := withLiveDial(tcpProtocol{h.r})
	if l, ok := p.(liveTCP); ok {
		return func(ctx context.Context, n int) (net.Conn, error) { return h.dialLive(ctx, l, n) }
	}
	return p.dial
}

// dialLive dials connection n as liveTCP dials a worker's (the same
// socket, options, connect timeout and errors), for the Transport: ctx's
// end, which the stop's abort brings, ends the wait for the connection, in
// place of the past deadline a worker's live connection gets.
//
// A socket the kernel connected before the abort caught the wait is a
// connection like any other: it took its port, the server has it. So the
// dial succeeds and counts; the Transport closes it, its request gone.
// Package net's dial would close it and fail, and an onset would miss its
// port. Only a socket still connecting at the abort opened nothing; the
// grace before the abort (see finish) leaves that to a dial that hung.
func (h *httpProtocol) dialLive(ctx context.Context, l liveTCP, n int) (net.Conn, error) {
	f, err := l.startDial(n)
	if err != nil {
		return nil, err
	}
	if err := h.awaitConnection(ctx, f); err != nil {
		f.Close()
		return nil, l.dialError(n, err)
	}
	return fileConn{f}, nil
}

// awaitConnection waits for f's connect() as awaitConnect does, for at
// most the connect timeout or until ctx ends, and leaves f with no
// deadline. At ctx's end, a socket already connected is connected.
func (h *httpProtocol) awaitConnection(ctx context.Context, f *os.File) error {
	if err := f.SetWriteDeadline(time.Now().Add(h.r.cfg.ConnectTimeout)); err != nil {
		return err
	}
	ended := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		f.SetWriteDeadline(aLongTimeAgo)
		close(ended)
	})
	if h.afterConnect != nil {
		h.afterConnect(ended)
	}
	err := awaitConnect(f)
	if !stop() {
		<-ended // its past deadline is set: the one below must come after it
		if err != nil && connected(f) {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	return f.SetWriteDeadline(time.Time{})
}

// connected says whether f's socket has a peer: its connect() completed.
func connected(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var peerErr error
	if err := rc.Control(func(fd uintptr) { _, peerErr = syscall.Getpeername(int(fd)) }); err != nil {
		return false
	}
	return peerErr == nil
}
