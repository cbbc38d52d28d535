package echo

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"time"
)

// startHTTP serves HTTP/1.1 on ln. Start calls it with s.mu held.
//
// Connections are counted through http.Server's ConnState hook, which runs
// StateNew on the accepting goroutine before the connection's own goroutine
// starts and StateClosed as that goroutine's last act: so the WaitGroup
// covers every connection goroutine, and Close still returns only once they
// have all exited.
func (s *Server) startHTTP(ln *net.TCPListener) {
	h := &httpHandler{
		s:      s,
		body:   make([]byte, s.cfg.Payload),
		length: []string{strconv.Itoa(s.cfg.Payload)},
	}
	for i := range h.body {
		h.body[i] = byte('a' + i%26)
	}
	hs := &http.Server{
		Handler:   h,
		ConnState: s.httpConnState,
		// A lab server under deliberate overload sees resets and aborted
		// requests all the time; they are not worth a log line each.
		ErrorLog: log.New(io.Discard, "", 0),
		// net/http falls back to ReadTimeout for a zero ReadHeaderTimeout
		// or IdleTimeout; here zero means no limit, as it does for TCP.
		ReadHeaderTimeout: orNever(s.cfg.ReadHeaderTimeout),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       orNever(s.cfg.IdleTimeout),
	}
	if !s.cfg.KeepAlive {
		hs.SetKeepAlivesEnabled(false)
	}
	s.hs = hs
	var l net.Listener = limitListener{ln, s}
	if s.cfg.TLS {
		tc, err := selfSigned(ln.Addr().(*net.TCPAddr).IP)
		if err != nil {
			// Only a broken random source gets here; Close reports it.
			s.serveErr = fmt.Errorf("echo: tls: %w", err)
			ln.Close()
			return
		}
		l = tls.NewListener(l, tc)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = fmt.Errorf("echo: serve: %w", err)
		}
	}()
}

// selfSigned makes a TLS config with a certificate made now, signed by its
// own key, for ip, the loopback addresses and localhost.
func selfSigned(ip net.IP) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "portlab echo"},
		NotBefore:    time.Now().Add(-time.Hour), // a client's clock may lag
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{ip, net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// never stands for "no limit" where net/http reads zero as "ReadTimeout".
const never = 100 * 365 * 24 * time.Hour

func orNever(d time.Duration) time.Duration {
	if d == 0 {
		return never
	}
	return d
}

func (s *Server) httpServer() *http.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hs
}

func (s *Server) httpConnState(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		// The Serve goroutine holds a count, so this Add never races a
		// Wait on a zero counter.
		s.wg.Add(1)
		s.notePeak(s.active.Add(1))
		s.accepted.Add(1)
		if tc, ok := c.(*net.TCPConn); ok && s.cfg.Linger >= 0 {
			// A connection that cannot take the option is served anyway:
			// the error only means it is already gone.
			_ = tc.SetLinger(s.cfg.Linger)
		}
	case http.StateClosed, http.StateHijacked:
		s.active.Add(-1)
		s.wg.Done()
	}
}

// closeHTTP is Close for ProtocolHTTP: http.Server.Close stops accepting
// (after its Serve loop has returned) and closes every connection.
func (s *Server) closeHTTP(hs *http.Server) error {
	s.killConns() // ends any Delay in progress
	err := hs.Close()
	s.wg.Wait()
	return errors.Join(err, s.serveErr)
}

// shutdownHTTP is Shutdown for ProtocolHTTP: idle keep-alive connections
// are closed at once, busy ones after their response.
func (s *Server) shutdownHTTP(ctx context.Context, hs *http.Server) error {
	err := hs.Shutdown(ctx)
	if err != nil {
		s.killConns()
		err = errors.Join(err, hs.Close())
	}
	s.wg.Wait()
	return errors.Join(err, s.serveErr)
}

// limitListener turns away connections above Config.MaxConns, as the TCP
// server does: accepted and closed at once, counted in Rejected. Serve
// calls Accept and then StateNew on one goroutine, so the check and the
// count that follows cannot interleave with another accept.
type limitListener struct {
	*net.TCPListener
	s *Server
}

func (l limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptTCP()
		if err != nil {
			return nil, err
		}
		if limit := int64(l.s.cfg.MaxConns); limit > 0 && l.s.active.Load() >= limit {
			l.s.rejected.Add(1)
			_ = c.Close()
			continue
		}
		return c, nil
	}
}

var (
	octetStream     = []string{"application/octet-stream"}
	connectionClose = []string{"close"}
)

// httpHandler echoes request bodies and answers GET and HEAD with a body of
// Payload bytes, whatever the path.
type httpHandler struct {
	s      *Server
	body   []byte   // the answer to GET
	length []string // its Content-Length
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	// An explicit type spares the server sniffing every body.
	hdr["Content-Type"] = octetStream
	if h.s.cfg.Close == CloseServer {
		hdr["Connection"] = connectionClose
	}
	rc := http.NewResponseController(w)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		hdr["Content-Length"] = h.length
		// No body to wait for: net/http's background read, watching for
		// the peer to go, must not time out while Delay is slept.
		_ = rc.SetReadDeadline(time.Time{})
		if !h.s.sleep(r.Context().Done()) {
			return
		}
		h.s.armWrite(rc)
		// HEAD writes nothing and says so with ErrBodyNotAllowed.
		n, _ := w.Write(h.body)
		h.s.bytesOut.Add(int64(n))
		h.s.requests.Add(1)
		return
	}
	if h.echo(w, r, rc) {
		h.s.requests.Add(1)
	}
}

// echo sends the request body back. A body that fits the buffer is read
// whole first; a larger or chunked one is echoed as it arrives, which
// HTTP/1 allows only once full duplex is on. It reports whether the whole
// body went back.
//
// Config.ReadTimeout bounds each wait for body bytes, so a stalled body is
// answered 408 and its connection closed; Config.WriteTimeout bounds each
// write. Neither bounds a body that keeps flowing.
func (h *httpHandler) echo(w http.ResponseWriter, r *http.Request, rc *http.ResponseController) bool {
	s := h.s
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	if r.ContentLength >= 0 {
		w.Header()["Content-Length"] = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	if r.ContentLength >= 0 && r.ContentLength <= int64(len(buf)) {
		s.armRead(rc)
		n, err := io.ReadFull(r.Body, buf[:r.ContentLength])
		s.bytesIn.Add(int64(n))
		if err != nil {
			stalled(w, err)
			return false
		}
		_ = rc.SetReadDeadline(time.Time{}) // the body is in: see GET
		if !s.sleep(r.Context().Done()) {
			return false
		}
		s.armWrite(rc)
		n, err = w.Write(buf[:n])
		s.bytesOut.Add(int64(n))
		return err == nil
	}
	if err := rc.EnableFullDuplex(); err != nil {
		return false
	}
	slept, wrote := false, false
	for {
		s.armRead(rc)
		n, rerr := r.Body.Read(buf)
		s.bytesIn.Add(int64(n))
		if n > 0 {
			if !slept && !s.sleep(r.Context().Done()) {
				return false
			}
			slept, wrote = true, true
			s.armWrite(rc)
			n, err := w.Write(buf[:n])
			s.bytesOut.Add(int64(n))
			if err != nil {
				return false
			}
		}
		if rerr == io.EOF {
			_ = rc.SetReadDeadline(time.Time{})
			return true
		}
		if rerr != nil {
			if !wrote {
				stalled(w, rerr)
				return false
			}
			// Part of the echo is out, so the answer cannot change:
			// abort it, which closes the connection rather than let
			// net/http wait on it for another request.
			panic(http.ErrAbortHandler)
		}
	}
}

// armRead gives the next wait for request bytes Config.ReadTimeout.
func (s *Server) armRead(rc *http.ResponseController) {
	if s.cfg.ReadTimeout > 0 {
		// Fails only once the connection is gone, which the read that
		// follows reports.
		_ = rc.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
	}
}

// armWrite gives the next write Config.WriteTimeout.
func (s *Server) armWrite(rc *http.ResponseController) {
	if s.cfg.WriteTimeout > 0 {
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	}
}

// stalled answers a request whose body timed out with 408 Request Timeout
// and Connection: close, before anything else was written. Other read
// errors (a reset, a malformed chunk) get no answer.
func stalled(w http.ResponseWriter, err error) {
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		return
	}
	hdr := w.Header()
	delete(hdr, "Content-Length")
	hdr["Connection"] = connectionClose
	w.WriteHeader(http.StatusRequestTimeout)
}

// sleep waits Config.Delay; false when done or the server's kill channel
// ends the wait first.
func (s *Server) sleep(done <-chan struct{}) bool {
	if s.cfg.Delay <= 0 {
		return true
	}
	t := time.NewTimer(s.cfg.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
	case <-s.kill:
	}
	return false
}
