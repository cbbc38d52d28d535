package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/report"
)

// ErrUnreachable wraps the failure of the preflight connection: the target
// could not be reached before any load was sent.
var ErrUnreachable = errors.New("target unreachable")

// ErrNoLocalPort wraps a preflight connection that failed for want of a
// free local port (EADDRNOTAVAIL, EADDRINUSE, EAGAIN): the target may be
// fine, this host's ports for it are used up.
var ErrNoLocalPort = errors.New("no free local port")

// maxGrace bounds the grace a run gives the requests in flight at its
// deadline: min(--timeout, maxGrace). Long enough for an answer delayed by
// a busy machine, short enough that a server that never answers costs a
// run at most a second more.
const maxGrace = time.Second

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
	// phase is when a shard's open-loop schedule begins after the start
	// (openSchedule): shard i of N at i/Rate of the whole load, so that the
	// shards' sends interleave into its one schedule, not N at a time.
	phase time.Duration
	// shard is which part of a load this run is (Config.Shard), its
	// share in cfg; startAt is when its window is to begin (zero: at once).
	shard   config.Shard
	startAt time.Time

	proto protocol
	// loops says event loops carry the requests (loopEligible), not a
	// goroutine per worker.
	loops bool
	conns connProtocol    // the protocol when the engine keeps its connections
	own   ownConnProtocol // the protocol when it keeps its own
	pool  chan *conn      // ModePool: nil entries are empty slots

	ran      atomic.Bool
	start    time.Time
	deadline time.Time
	seq      atomic.Int64 // claimed requests (count-bounded or open loop)
	cancel   context.CancelCauseFunc
	workers  []*worker
	payload  []byte // every worker's request

	// The stop, in two steps. At the deadline (or cancel) stopped ends
	// the workers' loops: no request starts after it. After the grace,
	// aborted marks what is still in flight as incomplete and ioCtx's
	// end and past deadlines abort it. stopAt is when the run stopped
	// taking requests; ranOut says it ran out of requests by itself.
	stopped  atomic.Bool
	aborted  atomic.Bool
	ioCtx    context.Context
	ioCancel context.CancelFunc
	stopAt   time.Time
	ranOut   bool
	// scheduleEnded says an open loop's workers ended because no send
	// was left to schedule before the deadline: the run lasts to it.
	scheduleEnded bool
	graceGiven    time.Duration
	workersDone   chan struct{}
	end           time.Time // when the wind-down ended
	// The process's usage at start and end, for the result's client cost.
	usageStart, usageEnd usage
	usageOK              bool

	// Dials are numbered as they start, so that an onset counts the
	// connections whose port the kernel had handed out before it: every
	// successful dial numbered up to the onset's dialsBefore, even one
	// that returned after the failure.
	dialSeq  atomic.Int64
	dialsOK  atomic.Int64
	anyOnset atomic.Bool

	onsetMu     sync.Mutex
	stopClass   ErrorClass // the error that made a host run stop
	onsetOK     [numClasses]atomic.Bool
	onset       [numClasses]report.Onset
	dialsBefore [numClasses]int64 // dialSeq at the onset
	connsAfter  [numClasses]int64 // successful dials numbered after it

	// What the workers measured, in shards shared by the workers.
	intervals *timeline
	latencies []latencies
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
	startAt, err := cfg.StartTime(time.Now())
	if err != nil {
		return nil, err
	}
	shard, _ := cfg.ShardOf() // checked by Validate
	whole := cfg
	cfg = cfg.Share()
	r := &Runner{cfg: cfg, opts: defaultOptions(), shard: shard, startAt: startAt}
	for _, o := range opts {
		o(&r.opts)
	}
	// KeepAlive -1: no TCP keep-alive probes, which nobody asked for and
	// which cost four setsockopt calls per connection (6% of the client's
	// CPU per connection when churning).
	r.dialer = net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: -1, Control: dialControl(&cfg)}
	p, err := newProtocol(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := p.preflight(ctx); err != nil {
		p.close()
		return nil, err
	}
	r.proto = p
	r.loops = r.loopEligible()
	if cfg.Rate > 0 {
		r.period, r.phase = openSchedule(whole.Rate, shard)
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
	if r.opts.label != "" {
		env.Netns = r.opts.label
	}
	runCtx, end := r.begin(ctx)
	defer end()
	r.work(ctx, runCtx)
	window := r.window()
	res, err := r.result(env, window)
	if err != nil {
		return nil, err
	}
	return r.stopReason(ctx, runCtx, res)
}

// window is the measured window: from the start to the stop, or to the
// last completion when the run ran out of requests before its deadline.
// Requests answered in the grace after the stop count, but the time they
// took does not stretch the window: it is wind-down.
func (r *Runner) window() time.Duration {
	end := r.stopAt
	if r.ranOut {
		var last time.Time
		for _, w := range r.workers {
			if w.lastDone.After(last) {
				last = w.lastDone
			}
		}
		if !last.IsZero() && last.Before(end) {
			end = last
		}
	}
	return max(end.Sub(r.start), 0)
}

// begin makes the workers and starts the clock; runCtx ends at the
// deadline, at ctx's end, or at the safety stop.
func (r *Runner) begin(ctx context.Context) (runCtx context.Context, end func()) {
	// The workers are made before the clock starts: by the thousand they
	// take a moment, and smallStacks a collection. Little is allocated
	// after it, so no other collection comes before they start.
	r.latencies = newLatencies(numShards())
	r.payload = newPayload(r.cfg.Payload)
	r.workers = make([]*worker, r.cfg.Concurrency)
	for i := range r.workers {
		r.workers[i] = newWorker(r, i)
	}
	if len(r.workers) >= manyWorkers && !r.loops {
		smallStacks()
	}
	r.waitStart(ctx)
	r.trimResident()
	r.usageStart, r.usageOK = processUsage()
	r.start = time.Now()
	r.deadline = r.start.Add(r.cfg.Duration)
	runCtx, cancel := context.WithDeadlineCause(ctx, r.deadline, context.DeadlineExceeded)
	runCtx, r.cancel = context.WithCancelCause(runCtx)
	// Requests in flight outlive runCtx by the grace; the stopper ends
	// them, after marking them aborted.
	r.ioCtx, r.ioCancel = context.WithCancel(context.WithoutCancel(ctx))
	r.workersDone = make(chan struct{})
	r.intervals = newTimeline(r.start, r.cfg.Interval)
	if r.opts.monitor != nil {
		r.opts.monitor.run.Store(r) // after everything live reads
	}
	return runCtx, func() { r.cancel(nil); cancel(); r.ioCancel() }
}

// manyWorkers is the concurrency from which the workers' stacks are worth
// a collection at the start (smallStacks).
const manyWorkers = 256

// smallStacks makes the runtime start new goroutines with its smallest
// stack, 2 kB. A goroutine starts with the average stack the last
// collection scanned, plus a guard: after one that found the caller deep
// in its calls, every worker would start at 4 or 8 kB, and a worker
// waiting in a read keeps its stack for the run (the runtime shrinks only
// a stack less than a quarter used). A collection that scans many shallow
// goroutines brings the average, and so the start, back down.
func smallStacks() {
	const shallow = 64
	var parked sync.WaitGroup
	release := make(chan struct{})
	for range shallow {
		parked.Add(1)
		go func() {
			parked.Done()
			<-release
		}()
	}
	parked.Wait()
	runtime.GC()
	close(release)
}

// work runs the workers until the run is over, with the stopper, the
// socket sampler and the progress line beside them, and cleans up.
func (r *Runner) work(ctx, runCtx context.Context) {
	stopperDone := r.stopper(ctx, runCtx)
	samplerDone := r.intervals.sampleSockets(r.workersDone)
	progressDone := r.progress(runCtx)
	if r.loops {
		r.runLoops()
	} else {
		r.runWorkers(runCtx)
	}
	// Connections close once every worker is done: a port freed while
	// another worker still dials would let it count past an onset.
	for _, w := range r.workers {
		w.closeAll()
	}
	r.endedAlone(runCtx)
	close(r.workersDone)
	r.cancel(nil)
	<-stopperDone
	if r.scheduleEnded {
		r.stopAt = r.deadline
	}
	<-samplerDone
	<-progressDone
	defer func() {
		// The last sample, at the real end: what the run left behind.
		r.end = time.Now()
		r.intervals.sample(r.end)
		var ok bool
		r.usageEnd, ok = processUsage()
		r.usageOK = r.usageOK && ok
	}()
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

// runWorkers runs a goroutine per worker until the run is over.
func (r *Runner) runWorkers(runCtx context.Context) {
	var wg sync.WaitGroup
	// The workers start together, once all exist: a collection while
	// the first ones dial would scan their deep stacks, and start the rest
	// at 4 or 8 kB (see smallStacks).
	together := make(chan struct{})
	for _, w := range r.workers {
		wg.Add(1)
		go w.loop(runCtx, &wg, together) // no closure: one frame less on its stack
	}
	close(together)
	wg.Wait()
}

// endedAlone notes, once the workers are done, whether they ended by
// themselves, before runCtx did: out of requests, or (open loop) out of
// sends due before the deadline.
func (r *Runner) endedAlone(runCtx context.Context) {
	if runCtx.Err() != nil {
		return
	}
	var started int64
	for _, w := range r.workers {
		started += w.started
	}
	r.ranOut = r.cfg.Requests > 0 && (r.period == 0 || started >= r.cfg.Requests)
	r.scheduleEnded = !r.ranOut
}

// stopper is the run's one stop. When runCtx ends it marks the run
// stopped, which ends each worker's loop before its next request. The
// requests in flight then get a grace (none on cancel) to be answered; what is left is aborted: the stopper marks the run
// aborted, which makes every failure from then on an incomplete request,
// ends ioCtx (which an ownConnProtocol's requests and every dial carry),
// and sets a past deadline on every worker's live connection, so that a
// worker blocked in a read returns at once instead of at its timeout. A
// worker checks aborted after publishing its live connection, so one of
// the two always sees the other.
func (r *Runner) stopper(ctx, runCtx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-runCtx.Done()
		r.stopAt = time.Now()
		if r.stopAt.After(r.deadline) {
			r.stopAt = r.deadline
		}
		r.stopped.Store(true)
		r.graceGiven = r.grace(ctx)
		if grace := r.graceGiven; grace > 0 {
			t := time.NewTimer(grace)
			select {
			case <-t.C:
			case <-r.workersDone:
			case <-ctx.Done():
			}
			t.Stop()
		}
		r.aborted.Store(true)
		r.ioCancel()
		for _, w := range r.workers {
			if c := w.live.Load(); c != nil {
				c.SetDeadline(aLongTimeAgo)
			}
		}
	}()
	return done
}

// grace is how long requests in flight at the stop may still take: none
// when the caller cancelled, min(--timeout, maxGrace) otherwise. The
// safety stop gets it too: a dial in flight at the onset has its port
// already, and letting it finish costs no port but keeps the onset's count
// of connections exact.
func (r *Runner) grace(ctx context.Context) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	return min(r.cfg.Timeout, maxGrace)
}

// aLongTimeAgo is a deadline in the past: setting it aborts pending I/O.
var aLongTimeAgo = time.Unix(1, 0)

// stopReason says in res why the run ended, and returns ctx's error when
// ctx ended it.
func (r *Runner) stopReason(ctx, runCtx context.Context, res *report.Result) (*report.Result, error) {
	switch cause := context.Cause(runCtx); {
	case ctx.Err() != nil:
		res.StopReason, res.Interrupted = report.StopSignal, true
		res.Notes = append(res.Notes, "interrupted: this is a partial result")
		return res, ctx.Err()
	case errors.Is(cause, errStopOnset):
		res.StopReason = report.StopOnset
		where := "it runs in the host's own network namespace"
		if l := res.Environment.Netns; l != "host" {
			where = "it runs in network namespace " + l + ", which portlab did not create"
		}
		res.Notes = append(res.Notes, "stopped at the first "+r.stopClass.String()+" to spare this host's ports "+
			"("+where+"); --sustain-exhaustion keeps going, "+
			"portlab run reproduces exhaustion in a private namespace instead")
	case r.ranOut:
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
	// anyOnset before the dial count: a dial that saw it unset started
	// before the count was taken (see dialed).
	r.anyOnset.Store(true)
	r.dialsBefore[class] = r.dialSeq.Load()
	var ok int64
	for _, w := range r.workers {
		ok += w.ok.Load()
	}
	r.onset[class] = report.Onset{
		AtS:              time.Since(r.start).Seconds(),
		RequestsOKBefore: ok,
	}
	r.onsetOK[class].Store(true)
	if (class == ClassAddrNotAvail || class == ClassAgain) && r.opts.host && !r.cfg.SustainExhaustion {
		r.stopClass = class
		// Stop now, not when the stopper wakes: a worker's dial fails at
		// once here, and could fail again and again meanwhile.
		r.stopped.Store(true)
		r.cancel(errStopOnset)
	}
}

// dialing numbers a dial as it starts: the kernel hands out the port
// during it, not when it returns.
func (r *Runner) dialing() int64 { return r.dialSeq.Add(1) }

// dialed notes that dial number n succeeded. Until an onset it costs one
// atomic load; after one, a lock, to tell the connections whose port was
// taken before each onset from those after.
func (r *Runner) dialed(n int64) {
	r.dialsOK.Add(1)
	if !r.anyOnset.Load() {
		return // noteError had not begun: its count will include n
	}
	r.onsetMu.Lock()
	for c := range numClasses {
		if r.onsetOK[c].Load() && n > r.dialsBefore[c] {
			r.connsAfter[c]++
		}
	}
	r.onsetMu.Unlock()
}

// preflightError is the error of a preflight request to raddr that
// failed: ctx's error when ctx ended it (the user interrupted the check,
// which says nothing of the target), ErrNoLocalPort when this host had no
// local port for it, which says nothing of the target either,
// ErrUnreachable otherwise.
func preflightError(ctx context.Context, raddr netip.AddrPort, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("connectivity check to %s stopped: %w", raddr, ctx.Err())
	}
	switch c := Classify(err); c {
	case ClassAddrNotAvail, ClassAddrInUse, ClassAgain:
		return fmt.Errorf("%w (%s) for the connectivity check to %s: %w", ErrNoLocalPort, c, raddr, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnreachable, raddr, err)
}

// targetName is the target as a result names it: the URL under
// ProtocolHTTP, the resolved addresses otherwise.
func (r *Runner) targetName() string {
	if n, ok := r.proto.(named); ok {
		return n.targetName()
	}
	return strings.Join(r.targets, ",")
}
