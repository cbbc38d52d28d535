package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portlab/portlab/config"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/report"
)

// Version is the tool version written into every result.
var Version = "0.1.0"

// ErrUnreachable wraps the failure of the preflight connection: the target
// could not be reached before any load was sent.
var ErrUnreachable = errors.New("target unreachable")

// run is the state shared by the workers of one Run. Fields touched per
// request are atomics or read-only.
type run struct {
	cfg    Config
	raddr  netip.AddrPort
	target string // raddr as a string, for DialContext
	// raddrs and targets are every destination (raddr is the first); TCP
	// connections go to each in turn.
	raddrs   []netip.AddrPort
	targets  []string
	sources  []netip.AddrPort
	dialer   net.Dialer
	start    time.Time
	deadline time.Time
	period   time.Duration // open loop: time between intended sends
	host     bool          // in the host's own network namespace

	seq     atomic.Int64 // claimed requests (count-bounded or open loop)
	stopped atomic.Bool
	cancel  context.CancelCauseFunc

	workers []*worker
	pool    chan *net.TCPConn // ModePool: nil entries are empty slots
	udpPool chan *net.UDPConn // ModePool under ProtocolUDP, likewise
	http    *httpClient       // ProtocolHTTP

	onsetMu   sync.Mutex
	stopClass ErrorClass // the error that made a host run stop
	onsetOK   [numClasses]atomic.Bool
	onset     [numClasses]report.Onset

	intervals *timeline
}

// inHostNetns reports whether the run shares the host's network namespace
// (and so its ports with every other program); a variable so a test inside a
// private namespace can play the host.
var inHostNetns = func() bool { return !netns.Inside() && netns.IsHost() }

// errStopOnset is the cancel cause when the host-namespace safety stop hits.
var errStopOnset = errors.New("stopped at the first port-exhaustion error")

// Run sends load as cfg says and returns what it measured. It stops by
// itself when cfg.Duration has passed or cfg.Requests are done. When ctx is
// cancelled it returns the partial result together with ctx's error.
func Run(ctx context.Context, cfg Config) (*report.Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, host: inHostNetns()}
	if err := r.resolve(ctx); err != nil {
		return nil, err
	}
	r.dialer = net.Dialer{Timeout: cfg.ConnectTimeout, Control: dialControl(&cfg)}
	preflight := r.preflight
	if cfg.Protocol == ProtocolUDP {
		preflight = r.preflightUDP
	}
	if err := preflight(ctx); err != nil {
		return nil, err
	}
	if cfg.Rate > 0 {
		r.period = time.Duration(float64(time.Second) / cfg.Rate)
	}
	if cfg.Mode == ModePool {
		n := cfg.PoolSize
		if n == 0 {
			n = cfg.Concurrency
		}
		if cfg.Protocol == ProtocolUDP {
			r.udpPool = newPool[*net.UDPConn](n)
		} else {
			r.pool = newPool[*net.TCPConn](n)
		}
	}
	if cfg.Protocol == ProtocolHTTP {
		r.http = newHTTPClient(r)
	}

	env := readEnvironment()
	env.Netns = "sandbox"
	if r.host {
		env.Netns = "host"
	}

	r.start = time.Now()
	r.deadline = r.start.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadlineCause(ctx, r.deadline, context.DeadlineExceeded)
	defer cancel()
	runCtx, r.cancel = context.WithCancelCause(runCtx)
	defer r.cancel(nil)

	r.intervals = newTimeline(r.start, cfg.Interval)
	r.workers = make([]*worker, cfg.Concurrency)
	for i := range r.workers {
		r.workers[i] = newWorker(r, i)
	}

	// The stopper turns cancellation into deadlines on live connections, so
	// a worker blocked in a read returns at once instead of at its timeout.
	stopperDone := make(chan struct{})
	go func() {
		defer close(stopperDone)
		<-runCtx.Done()
		r.stopped.Store(true)
		for _, w := range r.workers {
			if c := w.live.Load(); c != nil {
				c.SetDeadline(aLongTimeAgo)
			}
		}
	}()
	samplerDone := r.intervals.sampleSockets(runCtx)
	progressDone := r.progress(runCtx)

	var g errgroup.Group
	for _, w := range r.workers {
		g.Go(func() error { w.loop(runCtx); return nil })
	}
	g.Wait()
	r.cancel(nil)
	<-stopperDone
	<-samplerDone
	<-progressDone
	closePool(r.pool)
	closePool(r.udpPool)
	if r.http != nil {
		r.http.close()
	}
	elapsed := time.Since(r.start)

	res, err := r.result(env, elapsed)
	if err != nil {
		return nil, err
	}
	switch cause := context.Cause(runCtx); {
	case ctx.Err() != nil:
		res.StopReason, res.Interrupted = report.StopSignal, true
		res.Notes = append(res.Notes, "interrupted: this is a partial result")
		return res, ctx.Err()
	case errors.Is(cause, errStopOnset):
		res.StopReason = report.StopOnset
		res.Notes = append(res.Notes, "stopped at the first "+r.stopClass.String()+" to spare this host's ports "+
			"(it runs in the host's own network namespace); --sustain-exhaustion keeps going, "+
			"portlab run reproduces exhaustion in a private namespace instead")
	case cfg.Requests > 0 && r.seq.Load() >= cfg.Requests && elapsed < cfg.Duration:
		res.StopReason = report.StopRequests
	default:
		res.StopReason = report.StopDuration
	}
	return res, nil
}

// newPool returns a pool of n empty slots (nil connections).
func newPool[C any](n int) chan C {
	p := make(chan C, n)
	var empty C
	for range n {
		p <- empty
	}
	return p
}

// closePool closes the connections left in a pool, which no worker uses
// any more; a nil pool is fine.
func closePool[C interface {
	*net.TCPConn | *net.UDPConn
	Close() error
}](p chan C) {
	if p == nil {
		return
	}
	close(p)
	for c := range p {
		if c != nil {
			c.Close()
		}
	}
}

// aLongTimeAgo is a deadline in the past: setting it aborts pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

func (r *run) resolve(ctx context.Context) error {
	targets, network := r.cfg.Targets(), "tcp"
	switch r.cfg.Protocol {
	case ProtocolHTTP:
		u, _ := r.cfg.URL() // checked by Validate
		targets = []string{config.HostPort(u)}
	case ProtocolUDP:
		network = "udp"
	}
	for _, t := range targets {
		ap, err := resolveAddrPort(ctx, network, t)
		if err != nil {
			return err
		}
		r.raddrs = append(r.raddrs, ap)
		r.targets = append(r.targets, ap.String())
	}
	r.raddr, r.target = r.raddrs[0], r.targets[0]
	for _, s := range r.cfg.SourceIPs {
		a := netip.MustParseAddr(s) // checked by Validate
		if a.Is4() != r.raddr.Addr().Is4() {
			return fmt.Errorf("source-ips: %s and target %s are of different IP families", a, r.raddr)
		}
		r.sources = append(r.sources, netip.AddrPortFrom(a, 0))
	}
	return nil
}

// resolveAddrPort resolves HOST:PORT once, before the run, so no request
// pays for a lookup.
func resolveAddrPort(ctx context.Context, network, target string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(target); err == nil {
		return ap, nil
	}
	host, port, _ := net.SplitHostPort(target)
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.AddrPort{}, fmt.Errorf("target: cannot resolve %q: %v: %w", host, err, ErrUnreachable)
	}
	p, err := net.LookupPort(network, port)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("target: bad port %q: %v", port, err)
	}
	return netip.AddrPortFrom(addrs[0].Unmap(), uint16(p)), nil
}

// preflight makes one connection before the run, so an unreachable target
// is a clear error instead of a run full of ECONNREFUSED. It closes with
// SO_LINGER 0, so it leaves no TIME_WAIT behind to skew the count of ports.
func (r *run) preflight(ctx context.Context) error {
	for i, raddr := range r.raddrs {
		c, err := r.dialOnce(ctx, i)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrUnreachable, raddr, err)
		}
		c.SetLinger(0)
		c.Close()
	}
	return nil
}

// dialOnce makes connection number n: to the destinations in turn, from
// the source addresses in turn when there are any.
func (r *run) dialOnce(ctx context.Context, n int) (*net.TCPConn, error) {
	raddr, target := r.raddr, r.target
	if len(r.raddrs) > 1 {
		i := n % len(r.raddrs)
		raddr, target = r.raddrs[i], r.targets[i]
	}
	if len(r.sources) > 0 {
		// An explicit source address means bind() before connect(): the
		// port is picked without knowing the destination unless
		// IP_BIND_ADDRESS_NO_PORT defers it.
		return r.dialer.DialTCP(ctx, "tcp", r.sources[n%len(r.sources)], raddr)
	}
	// Not DialTCP with a zero local address: that binds to 0.0.0.0:0 before
	// connect(), which picks the port with no regard for the destination
	// and fails with EADDRINUSE where a plain connect() would go on (or hit
	// EADDRNOTAVAIL). DialContext leaves the choice to connect().
	c, err := r.dialer.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// noteError records the onset of class the first time a worker sees it,
// and stops a host-namespace run at its first exhaustion error. It runs on
// the error path only; the worker counts the error itself.
func (r *run) noteError(class ErrorClass) {
	if r.onsetOK[class].Load() {
		return
	}
	r.onsetMu.Lock()
	defer r.onsetMu.Unlock()
	if r.onsetOK[class].Load() {
		return
	}
	var ok, conns int64
	for _, w := range r.workers {
		ok += w.ok.Load()
		conns += w.conns.Load()
	}
	r.onset[class] = report.Onset{
		AtS:               time.Since(r.start).Seconds(),
		RequestsOKBefore:  ok,
		ConnectionsBefore: conns,
	}
	r.onsetOK[class].Store(true)
	if (class == ClassAddrNotAvail || class == ClassAgain) && r.host && !r.cfg.SustainExhaustion {
		r.stopClass = class
		r.cancel(errStopOnset)
	}
}

// targetName is the target as a result names it: the URL under
// ProtocolHTTP, the resolved address otherwise.
func (r *run) targetName() string {
	if r.http != nil {
		return r.http.url
	}
	return strings.Join(r.targets, ",")
}

func (r *run) result(env report.Environment, elapsed time.Duration) (*report.Result, error) {
	conn, rtt, total := report.NewHDR(), report.NewHDR(), report.NewHDR()
	var errs [numClasses]int64
	res := &report.Result{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "portlab", Version: Version},
		Label:         r.cfg.Label,
		Target:        r.targetName(),
		Strategy:      r.cfg.Strategy(),
		StartedAt:     r.start.UTC(),
		ElapsedS:      elapsed.Seconds(),
		Config:        &report.RunConfig{Load: r.cfg},
		Environment:   env,
		Errors:        map[string]int64{},
		Onset:         map[string]report.Onset{},
	}
	for _, w := range r.workers {
		conn.Merge(w.connect)
		rtt.Merge(w.roundTrip)
		total.Merge(w.total)
		res.Totals.RequestsOK += w.ok.Load()
		res.Totals.RequestsFailed += w.failed.Load()
		res.Totals.ConnectionsOpened += w.conns.Load()
		res.Totals.BytesSent += w.bytesSent
		res.Totals.BytesReceived += w.bytesReceived
		for c, n := range w.errs {
			errs[c] += n
		}
	}
	for c, n := range errs {
		if n > 0 {
			res.Errors[ErrorClass(c).String()] = n
		}
		if r.onsetOK[c].Load() {
			res.Onset[ErrorClass(c).String()] = r.onset[c]
		}
	}
	var err error
	if res.Latency.Connect, err = report.Summarize(conn); err != nil {
		return nil, err
	}
	if res.Latency.RoundTrip, err = report.Summarize(rtt); err != nil {
		return nil, err
	}
	if res.Latency.Total, err = report.Summarize(total); err != nil {
		return nil, err
	}
	if s := elapsed.Seconds(); s > 0 {
		res.Throughput.RequestsPerS = float64(res.Totals.RequestsOK) / s
		res.Throughput.ConnectionsPerS = float64(res.Totals.ConnectionsOpened) / s
	}
	res.Timeline = r.intervals.build(elapsed)
	return res, nil
}
