package loadgen

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portlab/portlab/report"
)

// ErrUnreachable wraps the failure of the preflight connection: the target
// could not be reached before any load was sent.
var ErrUnreachable = errors.New("target unreachable")

// Runner is a load run set up by New: validated, resolved and preflighted.
// Its Run sends the load; a Runner runs once. Fields touched per request
// are atomics or read-only during the run.
type Runner struct {
	cfg    Config
	opts   options
	raddr  netip.AddrPort
	target string // raddr as a string, for DialContext
	// raddrs and targets are every destination (raddr is the first); TCP
	// connections go to each in turn.
	raddrs  []netip.AddrPort
	targets []string
	sources []netip.AddrPort
	dialer  net.Dialer
	period  time.Duration // open loop: time between intended sends

	proto protocol
	conns connProtocol    // the protocol when the engine keeps its connections
	own   ownConnProtocol // the protocol when it keeps its own
	pool  chan *conn      // ModePool: nil entries are empty slots

	ran      atomic.Bool
	start    time.Time
	deadline time.Time
	seq      atomic.Int64 // claimed requests (count-bounded or open loop)
	stopped  atomic.Bool
	cancel   context.CancelCauseFunc
	workers  []*worker

	onsetMu   sync.Mutex
	stopClass ErrorClass // the error that made a host run stop
	onsetOK   [numClasses]atomic.Bool
	onset     [numClasses]report.Onset

	intervals *timeline
}

// errStopOnset is the cancel cause when the host-namespace safety stop hits.
var errStopOnset = errors.New("stopped at the first port-exhaustion error")

// Run sets a run up (New) and runs it (Runner.Run).
func Run(ctx context.Context, cfg Config, opts ...Option) (*report.Result, error) {
	r, err := New(ctx, cfg, opts...)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx)
}

// New sets a run up as cfg says: it validates cfg, resolves the targets,
// and checks with one preflight request that the target answers. ctx
// bounds the set-up only.
func New(ctx context.Context, cfg Config, opts ...Option) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, opts: defaultOptions()}
	for _, o := range opts {
		o(&r.opts)
	}
	r.dialer = net.Dialer{Timeout: cfg.ConnectTimeout, Control: dialControl(&cfg)}
	p, err := newProtocol(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := p.preflight(ctx); err != nil {
		p.close()
		return nil, err
	}
	r.proto = p
	if cfg.Rate > 0 {
		r.period = time.Duration(float64(time.Second) / cfg.Rate)
	}
	if cfg.Mode == ModePool && r.conns != nil {
		n := cfg.PoolSize
		if n == 0 {
			n = cfg.Concurrency
		}
		r.pool = make(chan *conn, n)
		for range n {
			r.pool <- nil
		}
	}
	return r, nil
}

// errRanTwice is the error of a second Run of one Runner.
var errRanTwice = errors.New("loadgen: a Runner runs once")

// Run sends the load and returns what it measured. It stops by itself when
// the Config's Duration has passed or its Requests are done. When ctx is
// cancelled it returns the partial result together with ctx's error.
func (r *Runner) Run(ctx context.Context) (*report.Result, error) {
	if r.ran.Swap(true) {
		return nil, errRanTwice
	}
	env := readEnvironment()
	env.Netns = "sandbox"
	if r.opts.host {
		env.Netns = "host"
	}
	runCtx, end := r.begin(ctx)
	defer end()
	r.work(runCtx)
	elapsed := time.Since(r.start)
	res, err := r.result(env, elapsed)
	if err != nil {
		return nil, err
	}
	return r.stopReason(ctx, runCtx, res, elapsed)
}

// begin starts the clock and makes the workers; runCtx ends at the
// deadline, at ctx's end, or at the safety stop.
func (r *Runner) begin(ctx context.Context) (runCtx context.Context, end func()) {
	r.start = time.Now()
	r.deadline = r.start.Add(r.cfg.Duration)
	runCtx, cancel := context.WithDeadlineCause(ctx, r.deadline, context.DeadlineExceeded)
	runCtx, r.cancel = context.WithCancelCause(runCtx)
	r.intervals = newTimeline(r.start, r.cfg.Interval)
	r.workers = make([]*worker, r.cfg.Concurrency)
	for i := range r.workers {
		r.workers[i] = newWorker(r, i)
	}
	return runCtx, func() { r.cancel(nil); cancel() }
}

// work runs the workers until the run is over, with the stopper, the
// socket sampler and the progress line beside them, and cleans up.
func (r *Runner) work(runCtx context.Context) {
	stopperDone := r.stopper(runCtx)
	samplerDone := r.intervals.sampleSockets(runCtx)
	progressDone := r.progress(runCtx)
	var wg sync.WaitGroup
	for _, w := range r.workers {
		wg.Go(func() { w.loop(runCtx) })
	}
	wg.Wait()
	r.cancel(nil)
	<-stopperDone
	<-samplerDone
	<-progressDone
	if r.pool != nil {
		close(r.pool)
		for c := range r.pool {
			if c != nil {
				c.Close()
			}
		}
	}
	r.proto.close()
}

// stopper is the run's one stop. When runCtx ends it marks the run
// stopped, which ends each worker's loop before its next request, and
// aborts the I/O in flight on every worker's live connection, so that a
// worker blocked in a read returns at once instead of at its timeout. (An
// ownConnProtocol's requests carry runCtx itself, whose end aborts them.)
// A worker checks stopped after publishing its live connection, so one of
// the two always sees the other.
func (r *Runner) stopper(runCtx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-runCtx.Done()
		r.stopped.Store(true)
		for _, w := range r.workers {
			if c := w.live.Load(); c != nil {
				c.SetDeadline(aLongTimeAgo)
			}
		}
	}()
	return done
}

// aLongTimeAgo is a deadline in the past: setting it aborts pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// stopReason says in res why the run ended, and returns ctx's error when
// ctx ended it.
func (r *Runner) stopReason(ctx, runCtx context.Context, res *report.Result, elapsed time.Duration) (*report.Result, error) {
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
	case r.cfg.Requests > 0 && r.seq.Load() >= r.cfg.Requests && elapsed < r.cfg.Duration:
		res.StopReason = report.StopRequests
	default:
		res.StopReason = report.StopDuration
	}
	return res, nil
}

// noteError records the onset of class the first time a worker sees it,
// and stops a host-namespace run at its first exhaustion error. It runs on
// the error path only; the worker counts the error itself.
func (r *Runner) noteError(class ErrorClass) {
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
	if (class == ClassAddrNotAvail || class == ClassAgain) && r.opts.host && !r.cfg.SustainExhaustion {
		r.stopClass = class
		r.cancel(errStopOnset)
	}
}

// targetName is the target as a result names it: the URL under
// ProtocolHTTP, the resolved addresses otherwise.
func (r *Runner) targetName() string {
	if n, ok := r.proto.(named); ok {
		return n.targetName()
	}
	return strings.Join(r.targets, ",")
}
