package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Stats are the server's counters. Accepted counts served connections
// only; connections turned away by MaxConns are counted in Rejected.
type Stats struct {
	Accepted   int64 // connections served
	Rejected   int64 // connections closed at once because of MaxConns
	ActivePeak int64 // most connections served at the same time
	Active     int64 // connections being served now
	BytesIn    int64 // bytes read from clients
	BytesOut   int64 // bytes echoed back
	Requests   int64 // HTTP requests answered or UDP datagrams echoed; 0 for TCP
}

// Server is an echo server speaking Config.Protocol. Create it with New or
// NewServer.
type Server struct {
	cfg Config

	mu      sync.Mutex
	ln      *net.TCPListener
	hs      *http.Server // ProtocolHTTP: serves ln
	pc      *net.UDPConn // ProtocolUDP: instead of ln
	conns   map[*net.TCPConn]struct{}
	started bool
	stopped bool // no more Start, no more Accept
	killed  bool // open connections are being force-closed

	stop     chan struct{} // closed when accepting stops
	kill     chan struct{} // closed when open connections must end now
	stopOnce sync.Once
	killOnce sync.Once
	stopErr  error // from closing the listener
	serveErr error // a permanent Accept error; read only after wg.Wait

	wg sync.WaitGroup // the accept loop and every connection goroutine

	accepted, rejected, active, peak, bytesIn, bytesOut, requests atomic.Int64
}

// New validates cfg, after filling its defaults, and returns a server that
// is not listening yet.
func New(cfg Config) (*Server, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Server{
		cfg:   cfg,
		conns: make(map[*net.TCPConn]struct{}),
		stop:  make(chan struct{}),
		kill:  make(chan struct{}),
	}, nil
}

// NewServer is New followed by Start: it returns a listening server.
func NewServer(cfg Config) (*Server, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start listens and serves in background goroutines. A server starts once.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopped {
		return errors.New("echo: server already started or closed")
	}
	if s.cfg.Protocol == ProtocolUDP {
		return s.startUDP()
	}
	lc := net.ListenConfig{
		Control: control(s.cfg),
		// TCP keepalive only costs setsockopt calls per accepted
		// connection; an echo server under load has no idle peers to probe.
		KeepAlive: -1,
	}
	l, err := lc.Listen(context.Background(), "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	ln := l.(*net.TCPListener)
	if s.cfg.Backlog > 0 {
		if err := setBacklog(ln, s.cfg.Backlog); err != nil {
			return errors.Join(fmt.Errorf("echo: backlog: %w", err), ln.Close())
		}
	}
	s.ln, s.started = ln, true
	if s.cfg.Protocol == ProtocolHTTP {
		s.startHTTP(ln)
		return nil
	}
	s.wg.Add(1)
	go s.serve()
	return nil
}

// Addr returns the address the server is bound to, or nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ln != nil:
		return s.ln.Addr()
	case s.pc != nil:
		return s.pc.LocalAddr()
	}
	return nil
}

// Stats returns a snapshot of the counters. It is safe to call at any time.
func (s *Server) Stats() Stats {
	return Stats{
		Accepted:   s.accepted.Load(),
		Rejected:   s.rejected.Load(),
		ActivePeak: s.peak.Load(),
		Active:     s.active.Load(),
		BytesIn:    s.bytesIn.Load(),
		BytesOut:   s.bytesOut.Load(),
		Requests:   s.requests.Load(),
	}
}

// Shutdown stops accepting and waits for open connections to finish. When
// ctx is done first, it force-closes the rest, waits for their goroutines
// and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	if hs := s.httpServer(); hs != nil {
		return s.shutdownHTTP(ctx, hs)
	}
	err := s.stopAccepting()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return errors.Join(err, s.serveErr)
	case <-ctx.Done():
		s.killConns()
		<-done
		return errors.Join(err, s.serveErr, ctx.Err())
	}
}

// Close stops accepting, closes every open connection and returns once all
// of the server's goroutines have exited. It may be called more than once.
// The error reports a failure to close the listener or a permanent Accept
// failure that had stopped the server accepting.
func (s *Server) Close() error {
	if hs := s.httpServer(); hs != nil {
		return s.closeHTTP(hs)
	}
	err := s.stopAccepting()
	s.killConns()
	s.wg.Wait()
	return errors.Join(err, s.serveErr)
}

func (s *Server) stopAccepting() error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		ln, pc := s.ln, s.pc
		s.mu.Unlock()
		close(s.stop)
		switch {
		case ln != nil:
			s.stopErr = ln.Close()
		case pc != nil:
			s.stopErr = pc.Close()
		}
	})
	return s.stopErr
}

// killConns ends every open connection. It sets a past deadline rather than
// closing: each connection goroutine then closes its own socket, so a
// positive Linger, which makes close(2) block, is waited out in parallel.
func (s *Server) killConns() {
	s.killOnce.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.killed = true
		close(s.kill)
		past := time.Unix(1, 0)
		for c := range s.conns {
			// An error means the socket is already closed, which is
			// the goal.
			_ = c.SetDeadline(past)
		}
	})
}

func (s *Server) serve() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := s.ln.AcceptTCP()
		if err != nil {
			select {
			case <-s.stop:
				return
			default:
			}
			if !temporary(err) {
				s.serveErr = fmt.Errorf("echo: accept: %w", err)
				return
			}
			// Like net/http: running out of descriptors is usually
			// brief, and spinning on Accept would only make it worse.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-s.stop:
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		s.admit(c)
	}
}

// temporary reports whether an Accept error is worth retrying. The
// syscall names exist on every platform, with made-up values where unused.
func temporary(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (s *Server) admit(c *net.TCPConn) {
	n := s.active.Add(1)
	if limit := int64(s.cfg.MaxConns); limit > 0 && n > limit {
		s.active.Add(-1)
		// Counted before closing, so a client that sees the close also
		// sees the count.
		s.rejected.Add(1)
		// Nothing useful to do if closing a dropped connection fails.
		_ = c.Close()
		return
	}
	if !s.track(c) {
		s.active.Add(-1)
		_ = c.Close()
		return
	}
	s.notePeak(n)
	s.accepted.Add(1)
	s.wg.Add(1)
	go s.serveConn(c)
}

// notePeak raises ActivePeak to n if n is higher.
func (s *Server) notePeak(n int64) {
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
}

// track records c so that killConns can reach it; it reports false when
// the server is already force-closing connections.
func (s *Server) track(c *net.TCPConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.killed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *net.TCPConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
