package loadgen

import (
	"context"
	"net"
	"time"
)

// conn is a connection the engine keeps for a connProtocol.
type conn struct {
	net.Conn
	deadline time.Time // the I/O deadline set on it
	uses     int       // requests done on it
}

// acquire returns the connection to use, or nil when a new one must be
// dialed; false when the run stopped while waiting for the pool.
func (w *worker) acquire(ctx context.Context) (*conn, bool) {
	switch w.r.cfg.Mode {
	case ModeKeepAlive:
		return w.conn, true
	case ModePool:
		select {
		case c := <-w.r.pool:
			if c != nil {
				w.live.Store(c)
			}
			return c, true
		case <-ctx.Done():
			return nil, false
		}
	}
	return nil, true
}

// dial opens a connection and makes it the worker's live one, which the
// stop aborts.
func (w *worker) dial() (*conn, error) {
	n := w.r.dialing()
	c := &conn{}
	var err error
	switch d, live := w.r.conns.(liveDialer); {
	case live:
		err = d.dialLive(w, c, w.nextSource)
	case w.r.cfg.Mode == ModeNew:
		c.Conn, err = w.r.conns.dial(w.r.ioCtx, w.nextSource)
	default:
		c.Conn, err = w.dialAside(w.nextSource)
	}
	w.nextSource++
	if err != nil {
		return nil, err
	}
	w.r.dialed(n)
	w.live.Store(c)
	return c, nil
}

// publish makes c, still connecting, the worker's live connection: false
// when the stop has come, which the stopper may not have seen c for.
func (w *worker) publish(c *conn) bool {
	w.live.Store(c)
	return !w.r.aborted.Load()
}

// dialAside dials connection n on a goroutine of its own. A dial's call
// chain (socket options, connect, the poller) grows a goroutine's stack
// to 8 kB, which the runtime gives back only at later collections; a
// keep-alive or pool worker dials seldom and then lives for the run, so it
// keeps the small stack its requests need (measured: 8 kB of stack per
// connection at c=5,000 when dialing in line, 4 kB otherwise).
func (w *worker) dialAside(n int) (nc net.Conn, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err = w.r.conns.dial(w.r.ioCtx, n)
	}()
	<-done
	return nc, err
}

// release disposes of c after a request (nil after a failure).
func (w *worker) release(c *conn) {
	switch w.r.cfg.Mode {
	case ModeNew:
		switch {
		case c == nil:
		case w.r.cfg.Hold:
			w.held = append(w.held, c)
		default:
			c.Close()
		}
	case ModeKeepAlive:
		if c != nil {
			c.uses++
			if n := w.r.cfg.RequestsPerConn; n > 0 && c.uses >= n {
				c.Close()
				c = nil
			}
		}
		w.conn = c
	case ModePool:
		w.r.pool <- c // never blocks: one slot per pooled connection
	}
}

// setDeadline gives c the request's deadline. Moving a deadline costs a
// runtime timer update, so a reused connection keeps its deadline until a
// tenth of the timeout is used up: a request then times out after 90-100%
// of --timeout.
func (w *worker) setDeadline(c *conn, t1 time.Time) {
	timeout := w.r.cfg.Timeout
	if t1.Add(timeout - timeout/10).After(c.deadline) {
		c.deadline = t1.Add(timeout)
		c.SetDeadline(c.deadline)
	}
}

// closeAll closes the connections the worker still keeps.
func (w *worker) closeAll() {
	if w.conn != nil {
		w.conn.Close()
	}
	for _, c := range w.held {
		c.Close()
	}
	w.conn, w.held = nil, nil
}
