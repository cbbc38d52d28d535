package echo

import (
	"net"
	"sync"
	"time"
)

const bufSize = 32 << 10

// bufPool holds *[]byte rather than []byte so that Put does not allocate.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize)
	return &b
}}

// session is the state of one served connection.
type session struct {
	s     *Server
	c     *net.TCPConn
	r     reader
	timer *time.Timer // nil unless Config.Delay > 0
	armed time.Time   // when arm last moved the deadline
}

func (s *Server) serveConn(c *net.TCPConn) {
	defer s.wg.Done()
	defer func() {
		s.untrack(c)
		// A failed close leaves nothing to do: the descriptor is gone
		// either way.
		_ = c.Close()
		// Decremented last, so Active == 0 means every socket is closed.
		s.active.Add(-1)
	}()
	if s.cfg.Linger >= 0 {
		if err := c.SetLinger(s.cfg.Linger); err != nil {
			return
		}
	}
	ss := session{s: s, c: c}
	if err := ss.r.init(c); err != nil {
		return
	}
	defer ss.r.release()
	if s.cfg.Delay > 0 {
		ss.timer = time.NewTimer(s.cfg.Delay)
		ss.timer.Stop()
		defer ss.timer.Stop()
	}
	// Per-connection errors (resets, kills) are the normal end of a
	// connection under load, not failures of the server, so they end the
	// session silently.
	if s.cfg.Close == CloseServer {
		ss.echoPayload()
	} else {
		ss.echoAll()
	}
}

// echoAll echoes until the client closes or the connection fails. The
// server closes second, so TIME_WAIT stays on the client.
func (ss *session) echoAll() {
	for {
		if !ss.arm() {
			return
		}
		n, err := ss.read(0, bufSize)
		if n > 0 && !ss.echo(n) {
			return
		}
		if err != nil {
			return
		}
	}
}

// echoPayload echoes exactly Payload bytes and returns, so the server
// closes first. Payloads larger than the buffer are echoed a buffer at a
// time; a client that closes early gets back what it sent.
func (ss *session) echoPayload() {
	for left := ss.s.cfg.Payload; left > 0; {
		want, got := min(left, bufSize), 0
		var err error
		for got < want && err == nil {
			if !ss.arm() {
				return
			}
			var n int
			n, err = ss.read(got, want)
			got += n
		}
		if got > 0 && !ss.echo(got) {
			return
		}
		if err != nil {
			return
		}
		left -= got
	}
}

func (ss *session) read(off, end int) (int, error) {
	n, err := ss.r.fill(off, end)
	ss.s.bytesIn.Add(int64(n))
	return n, err
}

// echo writes back the first n buffered bytes after the configured delay.
// It reports false when the connection is done.
func (ss *session) echo(n int) bool {
	if ss.timer != nil {
		ss.timer.Reset(ss.s.cfg.Delay)
		select {
		case <-ss.timer.C:
		case <-ss.s.kill:
			return false
		}
	}
	// The write gets a whole idle timeout of its own: neither the wait
	// for the request nor the delay counts against it.
	if !ss.arm() {
		return false
	}
	w, err := ss.c.Write((*ss.r.buf)[:n])
	ss.s.bytesOut.Add(int64(w))
	return err == nil
}

// arm moves the connection's deadline to Config.IdleTimeout from now, so a
// peer that neither sends nor reads for that long is dropped. Moving a
// deadline costs a runtime timer update, so it moves only once a tenth of
// the timeout has passed: a peer is dropped after 90-100% of it. It reports
// false when the server is killing connections: killConns closes kill
// before it sets its past deadline, so checking kill after setting ours
// means the kill's deadline cannot be overwritten by a later arm.
func (ss *session) arm() bool {
	if d := ss.s.cfg.IdleTimeout; d > 0 {
		if now := time.Now(); now.Sub(ss.armed) >= d/10 {
			if err := ss.c.SetDeadline(now.Add(d)); err != nil {
				return false
			}
			ss.armed = now
		}
	}
	select {
	case <-ss.s.kill:
		return false
	default:
		return true
	}
}

// release returns the buffer to the pool.
func (r *reader) release() {
	if r.buf != nil {
		bufPool.Put(r.buf)
		r.buf = nil
	}
}
