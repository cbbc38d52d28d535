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
	w, err := ss.c.Write((*ss.r.buf)[:n])
	ss.s.bytesOut.Add(int64(w))
	return err == nil
}

// release returns the buffer to the pool.
func (r *reader) release() {
	if r.buf != nil {
		bufPool.Put(r.buf)
		r.buf = nil
	}
}
