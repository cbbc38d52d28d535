package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// preflightUDP sends one datagram and waits for its echo: a connected UDP
// socket learns of a closed port only from the ICMP error that answers it.
func (r *run) preflightUDP(ctx context.Context) error {
	c, err := r.dialUDP(ctx, 0)
	if err == nil {
		defer c.Close()
		c.SetDeadline(time.Now().Add(r.cfg.ConnectTimeout))
		buf := make([]byte, r.cfg.Payload)
		if _, err = c.Write(buf); err == nil {
			_, err = c.Read(buf)
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, r.raddr, err)
	}
	return nil
}

// dialUDP opens a connected UDP socket. connect() on a UDP socket sends
// nothing: it picks the local port (failing with EAGAIN on Linux when none
// is left, or bind() with EADDRINUSE when a source address is given) and
// fixes the peer.
func (r *run) dialUDP(ctx context.Context, n int) (*net.UDPConn, error) {
	if len(r.sources) > 0 {
		return r.dialer.DialUDP(ctx, "udp", r.sources[n%len(r.sources)], r.raddr)
	}
	c, err := r.dialer.DialContext(ctx, "udp", r.target)
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}

// udpWorker is a worker's state under ProtocolUDP.
type udpWorker struct {
	*worker
	live atomic.Pointer[net.UDPConn] // the socket in use, for the stop
	conn *net.UDPConn                // ModeKeepAlive: this worker's socket
	uses int
	held []*net.UDPConn // Hold: every socket so far, closed at the end
	buf  []byte         // one byte more than Payload, to catch long replies
}

// errDatagramSize is an echo of another size than the request.
var errDatagramSize = fmt.Errorf("echoed datagram of another size: %w", io.ErrUnexpectedEOF)

// loopUDP runs UDP requests until the run stops.
func (w *worker) loopUDP(ctx context.Context) {
	u := &udpWorker{worker: w, buf: make([]byte, w.r.cfg.Payload+1)}
	// A read blocked on a lost datagram would wait out its timeout: the
	// end of the run aborts it instead.
	stop := context.AfterFunc(ctx, func() {
		if c := u.live.Load(); c != nil {
			c.SetDeadline(aLongTimeAgo)
		}
	})
	defer func() {
		stop()
		u.closeAll()
	}()
	w.each(ctx, u.request)
}

func (u *udpWorker) request(ctx context.Context, intended time.Time) {
	start := time.Now()
	if intended.IsZero() {
		intended = start
	}
	c, ok := u.acquire(ctx)
	if !ok {
		return
	}
	t1 := start
	if c == nil {
		var err error
		c, err = u.r.dialUDP(ctx, u.nextSource)
		u.nextSource++
		if err != nil {
			u.fail(ctx, err, time.Now())
			u.release(nil)
			return
		}
		t1 = time.Now()
		u.opened(t1, t1.Sub(start))
	}
	u.live.Store(c)
	if ctx.Err() != nil { // the stop may have missed c
		c.Close()
		u.release(nil)
		return
	}
	c.SetDeadline(t1.Add(u.r.cfg.Timeout))
	n, err := c.Write(u.payload)
	u.bytesSent += int64(n)
	if err == nil {
		n, err = c.Read(u.buf)
		u.bytesReceived += int64(n)
		if err == nil && n != len(u.payload) {
			err = errDatagramSize
		}
	}
	end := time.Now()
	if err != nil {
		u.fail(ctx, err, end)
		c.Close()
		u.release(nil)
		return
	}
	u.succeed(intended, t1, end)
	u.release(c)
}

// acquire returns the socket to use, or nil when a new one must be dialed;
// false when the run stopped while waiting for the pool.
func (u *udpWorker) acquire(ctx context.Context) (*net.UDPConn, bool) {
	switch u.r.cfg.Mode {
	case ModeKeepAlive:
		return u.conn, true
	case ModePool:
		select {
		case c := <-u.r.udpPool:
			return c, true
		case <-ctx.Done():
			return nil, false
		}
	}
	return nil, true
}

// release disposes of c after a request (nil after a failure).
func (u *udpWorker) release(c *net.UDPConn) {
	u.live.Store(nil)
	switch u.r.cfg.Mode {
	case ModeNew:
		switch {
		case c == nil:
		case u.r.cfg.Hold:
			u.held = append(u.held, c)
		default:
			c.Close()
		}
	case ModeKeepAlive:
		u.uses++
		if c != nil && u.r.cfg.RequestsPerConn > 0 && u.uses >= u.r.cfg.RequestsPerConn {
			c.Close()
			c = nil
		}
		if c == nil {
			u.uses = 0
		}
		u.conn = c
	case ModePool:
		u.r.udpPool <- c // never blocks: one slot per pooled socket
	}
}

func (u *udpWorker) closeAll() {
	if u.conn != nil {
		u.conn.Close()
	}
	for _, c := range u.held {
		c.Close()
	}
	u.conn, u.held = nil, nil
}
