package loadgen

import (
	"context"
	"net"
	"time"
)

// conn is a connection the engine keeps for a connProtocol.
type conn struct {
	net.Conn
	// renewAt is when, into the run, its I/O deadline is due to be
	// moved (see renewDeadline); zero until one is set.
	renewAt time.Duration
	uses    int // requests done on it
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
	if d, live := w.r.conns.(liveDialer); live {
		err = d.dialLive(w, c, w.nextSource)
	} else {
		c.Conn, err = w.r.conns.dial(w.r.ioCtx, w.nextSource)
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

// renewDeadline gives c the deadline of a request sent at t1, at into
// the run. Moving a deadline costs a runtime timer update, so a reused
// connection keeps its deadline until a tenth of the timeout is used up:
// a request then times out after 90-100% of --timeout.
func (w *worker) renewDeadline(c *conn, t1 time.Time, at time.Duration) {
	timeout := w.r.cfg.Timeout
	c.renewAt = at + timeout/10
	setConnDeadline(c.Conn, t1.Add(timeout))
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
