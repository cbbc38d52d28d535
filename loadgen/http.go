package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/internal/regularfile"
)

func init() { protocols[ProtocolHTTP] = newHTTP }

// httpProtocol sends HTTP/1.1 requests through one net/http client shared
// by every worker, as in a program: its http.Transport is the connection
// pool, so the engine keeps no connections for it.
type httpProtocol struct {
	r      *Runner
	client *http.Client
	url    string
	method string
	body   bool        // the method carries a body
	file   []byte      // the body from BodyFile, when given
	tls    *tls.Config // for https:// targets, else nil
	// header is sent on every request. Requests share it: net/http only
	// reads a request's Header.
	header http.Header
	host   string // the Host header, when the user gave one

	workers []httpWorker // by worker id

	// connect connects the Transport's dial number n (httpProtocol.dial).
	connect func(ctx context.Context, n int) (net.Conn, error)
	// The Transport's dials under way. They outlive the request that
	// asked for them; finish and close wait for them, so that every
	// socket that took a port is counted, after a worker has finished too.
	underWay dialsUnderWay
	// Tests' hooks, nil otherwise: in a dial, once it is numbered and
	// before its socket; and (on Linux) once its connect() is issued,
	// before the wait for the connection, with a channel closed once the
	// stop's abort has ended that wait.
	beforeConnect func()
	afterConnect  func(aborted <-chan struct{})
}

func newHTTP(ctx context.Context, r *Runner) (protocol, error) {
	u, _ := r.cfg.URL() // checked by Validate
	if err := r.resolve(ctx, "tcp", []string{config.HostPort(u)}); err != nil {
		return nil, err
	}
	h := &httpProtocol{r: r, url: u.String(), method: r.cfg.RequestMethod(), workers: make([]httpWorker, r.cfg.Concurrency)}
	h.connect = h.connector()
	h.header, _ = r.cfg.RequestHeader() // checked by Validate
	h.host = h.header.Get("Host")
	h.body = (r.cfg.Payload > 0 || r.cfg.BodyFile != "") && h.method != http.MethodGet && h.method != http.MethodHead
	if r.cfg.BodyFile != "" {
		b, err := regularfile.Read(r.cfg.BodyFile, config.MaxPayload, "a request body", "give a file's path")
		if err != nil {
			return nil, fmt.Errorf("body_file: %s: %w", r.cfg.BodyFile, err)
		}
		h.file = b
	}
	tr := &http.Transport{
		// Never a proxy from the environment: the load goes to the target.
		Proxy:       nil,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return h.dial(ctx) },
		// The rest as in http.DefaultTransport, so the pool behaves as in
		// the programs this reproduces.
		MaxIdleConns:          max(100, r.cfg.MaxIdlePerHost),
		MaxIdleConnsPerHost:   r.cfg.MaxIdlePerHost, // 0: DefaultMaxIdleConnsPerHost
		MaxConnsPerHost:       r.cfg.MaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableKeepAlives:     r.cfg.Mode == ModeNew,
	}
	if u.Scheme == "https" {
		roots, err := r.cfg.RootCAs()
		if err != nil {
			return nil, err
		}
		// A custom DialContext keeps the Transport on HTTP/1.1 over TLS,
		// as over plain TCP.
		h.tls = &tls.Config{RootCAs: roots, InsecureSkipVerify: r.cfg.Insecure, ServerName: u.Hostname()}
		tr.TLSClientConfig = h.tls
	}
	h.client = &http.Client{
		Transport: tr,
		// No Client.Timeout, which costs a goroutine per request: each
		// request's context carries the timeout. A redirect is an answer
		// to count, not a new target to load.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h, nil
}

func (h *httpProtocol) preflight(ctx context.Context) error {
	if err := h.r.preflightTCP(ctx); err != nil || h.tls == nil {
		return err
	}
	return h.preflightTLS(ctx)
}

// preflightTLS shakes hands with an https:// target once, so that a
// certificate that does not verify stops the run before the load, with a
// message that says what to do, rather than failing every request.
func (h *httpProtocol) preflightTLS(ctx context.Context) error {
	c, err := h.r.dialTCP(ctx, 0)
	if err != nil {
		return fmt.Errorf("preflight: %s: %w", h.url, err)
	}
	defer c.Close()
	_ = c.SetLinger(0) // as preflightTCP: leave no TIME_WAIT behind
	ctx, cancel := context.WithTimeout(ctx, h.r.cfg.Timeout)
	defer cancel()
	err = tls.Client(c, h.tls).HandshakeContext(ctx)
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &verify):
		return fmt.Errorf("preflight: %s: %w (give the certificate of the CA that signed it with --cacert FILE, or --insecure)", h.url, err)
	case err != nil:
		return fmt.Errorf("preflight: %s: TLS handshake: %w", h.url, err)
	}
	return nil
}

func (h *httpProtocol) targetName() string { return h.url }

type httpWorkerKey struct{}

// httpWorker is a worker's state under ProtocolHTTP.
type httpWorker struct {
	w      *worker
	ctx    context.Context // the run's context with this worker's trace
	connAt time.Time       // when the current request got its connection

	// Dials run on the Transport's goroutines; the worker records them
	// on its own, after each request.
	mu         sync.Mutex
	pending    []dialed
	hasPending atomic.Bool
}

// dialed is a connection the Transport dialed for a worker's request.
type dialed struct {
	at      time.Time
	connect time.Duration
}

// queueDial queues a dial for the worker to record; any goroutine may call it.
func (hw *httpWorker) queueDial(at time.Time, connect time.Duration) {
	hw.mu.Lock()
	hw.pending = append(hw.pending, dialed{at, connect})
	hw.mu.Unlock()
	hw.hasPending.Store(true)
}

// recordDials records the queued dials, on the worker's goroutine.
func (hw *httpWorker) recordDials() {
	if !hw.hasPending.Load() {
		return
	}
	hw.mu.Lock()
	hw.hasPending.Store(false)
	for _, d := range hw.pending {
		hw.w.opened(d.at, d.connect)
	}
	hw.pending = hw.pending[:0]
	hw.mu.Unlock()
}

// gotConn runs on the worker's goroutine, inside Client.Do: the round trip
// starts once the request has a connection.
func (hw *httpWorker) gotConn(httptrace.GotConnInfo) { hw.connAt = time.Now() }

// errStatus is a response that is not 2xx.
type errStatus int

func (e errStatus) Error() string { return fmt.Sprintf("HTTP status %d", int(e)) }

// class is the error class of a response that is not 2xx: 1xx and 3xx
// (a redirect is not followed) are "other".
func (e errStatus) class() ErrorClass {
	switch {
	case e >= 400 && e <= 499:
		return ClassHTTP4xx
	case e >= 500 && e <= 599:
		return ClassHTTP5xx
	}
	return ClassOther
}

func (h *httpProtocol) do(ctx context.Context, w *worker) (time.Time, error) {
	hw := &h.workers[w.id]
	if hw.ctx == nil { // the worker's first request: its context, once
		hw.w = w
		hw.ctx = httptrace.WithClientTrace(context.WithValue(ctx, httpWorkerKey{}, hw),
			&httptrace.ClientTrace{GotConn: hw.gotConn})
	}
	hw.connAt = time.Time{}
	var body io.Reader
	sent := w.payload
	if h.r.cfg.BodyFile != "" {
		sent = h.file
	}
	if h.body {
		body = bytes.NewReader(sent)
	}
	reqCtx, cancel := context.WithTimeout(hw.ctx, h.r.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, h.method, h.url, body)
	if err != nil {
		return time.Time{}, err
	}
	req.Header = h.header
	if h.host != "" {
		req.Host = h.host
	}
	resp, err := h.client.Do(req)
	hw.recordDials()
	if err != nil {
		return time.Time{}, err
	}
	if h.body {
		w.bytesSent += int64(len(sent))
	}
	if w.status == nil {
		w.status = map[int]int64{}
	}
	w.status[resp.StatusCode]++
	n, err := h.readBody(resp)
	w.bytesReceived += n
	if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		err = errStatus(resp.StatusCode)
	}
	return hw.connAt, err
}

// readBody reads the body to EOF and closes it, which lets the Transport
// reuse the connection; with UnreadBody it only closes it, which makes the
// Transport close the connection instead.
func (h *httpProtocol) readBody(resp *http.Response) (int64, error) {
	if h.r.cfg.UnreadBody {
		return 0, resp.Body.Close()
	}
	n, err := io.Copy(io.Discard, resp.Body)
	return n, errors.Join(err, resp.Body.Close())
}
