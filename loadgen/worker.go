package loadgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portlab/portlab/report"
)

// worker is one concurrency slot. Everything but the atomics is touched by
// its own goroutine alone (or by the one it dials on, while it waits) until
// Run merges it after the workers stop. Its
// size is a multiple of a cache line (TestWorkerFillsCacheLines), so that
// the allocator's slots for workers start on one and no two workers,
// written from two CPUs, share a line.
type worker struct {
	// Read live by the progress line and onset bookkeeping.
	ok, failed, conns atomic.Int64
	// live is the connection in use, so the stopper can abort its I/O.
	live atomic.Pointer[conn]

	r  *Runner
	id int
	// Every request started ends ok, failed or incomplete; an open loop's
	// claimed send time that the stop came before is abandoned.
	started, incomplete int64
	abandoned           time.Time
	lastDone            time.Time     // the last request answered or failed
	status              map[int]int64 // HTTP responses by status code

	errs          [numClasses]int64
	bytesSent     int64
	bytesReceived int64
	lat           *latencies // the run's histograms' shard this worker records into
	payload       []byte     // the run's, shared: only ever read
	buf           []byte     // one byte more than payload, to catch long replies; nil under event loops
	conn          *conn      // ModeKeepAlive: this worker's connection
	held          []*conn    // Hold: every connection so far, closed at the end
	nextSource    int
	timer         *time.Timer
	iv            *interval // the shard of timeline interval ivIdx
	ivIdx         int
	_             [24]byte // to a multiple of 64 bytes
}

func newWorker(r *Runner, id int) *worker {
	w := &worker{
		r:          r,
		id:         id,
		lat:        &r.latencies[id%len(r.latencies)],
		payload:    r.payload,
		nextSource: id,
	}
	if !r.loops { // an event loop reads into a buffer of its own
		w.buf = make([]byte, r.cfg.Payload+1)
	}
	return w
}

// newPayload is the request every worker sends: n letters.
func newPayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte('a' + i%26)
	}
	return p
}

// loop runs requests, from when start closes until the run stops. ctx is
// the run's: its end stops new requests; those in flight run on until the
// stopper aborts them.
//
// A keep-alive worker lives for the run, so its stack is its largest
// cost: the request path keeps it at the runtime's 2 kB, which it never
// leaves (a waiting reader's stack is not shrunk back). Its frames are
// small, and cold paths (dial, failure, stop) are functions of their own.
func (w *worker) loop(ctx context.Context, wg *sync.WaitGroup, start <-chan struct{}) {
	<-start
	own := w.r.own != nil
	for {
		intended, ok := w.next(ctx)
		if !ok {
			break
		}
		if own {
			w.requestOwn(ctx, intended)
		} else {
			w.request(ctx, intended)
		}
	}
	w.finish()
	wg.Done()
}

// request performs one request of a connProtocol: get a connection
// (dialing if need be), exchange, keep or close the connection as the Mode
// says. intended is the open loop's scheduled send time, zero in a closed
// loop.
func (w *worker) request(ctx context.Context, intended time.Time) {
	t1 := time.Now()
	c, ok := w.acquire(ctx)
	if !ok || w.r.stopped.Load() {
		w.unstarted(c, ok, intended)
		return
	}
	w.started++
	if intended.IsZero() {
		intended = t1
	}
	if c == nil {
		if c, t1 = w.connect(t1); c == nil {
			return
		}
	}
	if at := t1.Sub(w.r.start); at >= c.renewAt {
		w.renewDeadline(c, t1, at)
	}
	if w.r.aborted.Load() { // after the deadline: the stopper's deadline wins
		w.abort(c)
		return
	}
	end, err := w.r.conns.exchange(w, c.Conn)
	if err != nil {
		w.failOn(c, err, end)
		return
	}
	w.succeed(end.Sub(t1), end.Sub(intended), end)
	w.release(c)
}

// unstarted ends a request the run stopped before: it waited for a
// pooled connection (or got one) as the run stopped. In an open loop it
// was due, so it counts as unsent.
//
//go:noinline
func (w *worker) unstarted(c *conn, ok bool, intended time.Time) {
	if ok && w.r.cfg.Mode == ModePool {
		w.r.pool <- c // back unused: never blocks, one slot each
	}
	w.abandoned = intended
}

// connect dials the request's connection, which it started to get at
// start; it returns the connection and when it was ready, or nil after
// counting the failure. A keep-alive or pool worker dials on a goroutine
// of its own: a dial's call chain (socket options, connect, the poller,
// the file's cleanup, allocations that may assist the GC) grows a stack
// to 8 kB, which the runtime never gives back while the goroutine waits
// in a read. Such a worker dials seldom and lives for the run, so it
// keeps the 2 kB its requests need.
//
//go:noinline
func (w *worker) connect(start time.Time) (c *conn, t1 time.Time) {
	if w.r.cfg.Mode == ModeNew {
		return w.connectHere(start)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, t1 = w.connectHere(start)
	}()
	<-done
	return c, t1
}

// connectHere is connect on the calling goroutine.
func (w *worker) connectHere(start time.Time) (*conn, time.Time) {
	c, err := w.dial()
	t1 := time.Now()
	if err != nil {
		w.fail(err, t1)
		w.release(nil)
		return nil, t1
	}
	w.opened(t1, t1.Sub(start))
	return c, t1
}

// abort ends a request the stopper aborted before its exchange.
//
//go:noinline
func (w *worker) abort(c *conn) {
	c.Close()
	w.release(nil)
	w.incomplete++
}

// failOn ends a request whose exchange on c failed at end.
//
//go:noinline
func (w *worker) failOn(c *conn, err error, end time.Time) {
	w.fail(err, end)
	c.Close()
	w.release(nil)
}

// requestOwn performs one request of an ownConnProtocol.
func (w *worker) requestOwn(_ context.Context, intended time.Time) {
	w.started++
	start := time.Now()
	if intended.IsZero() {
		intended = start
	}
	t1, err := w.r.own.do(w.r.ioCtx, w)
	end := time.Now()
	if err != nil {
		w.fail(err, end)
		return
	}
	if t1.IsZero() {
		t1 = start
	}
	w.succeed(end.Sub(t1), end.Sub(intended), end)
}

// succeed records a request that succeeded, answered at end: roundTrip
// after it was sent on a connection, total after it was due. (Durations,
// not times: three times as arguments would spill onto the stack.)
func (w *worker) succeed(roundTrip, total time.Duration, end time.Time) {
	w.lat.roundTrip.record(micros(roundTrip))
	totalUS := micros(total)
	w.lat.total.record(totalUS)
	w.ok.Add(1)
	w.lastDone = end
	iv := w.interval(end)
	iv.ok.Add(1)
	iv.hist.record(totalUS)
}

// opened records a new connection (or UDP socket) that took connect to
// set up, at t.
func (w *worker) opened(t time.Time, connect time.Duration) {
	w.conns.Add(1)
	w.interval(t).conns.Add(1)
	w.lat.connect.record(micros(connect))
}

// fail counts a failed request, or an incomplete one once the stopper
// has aborted what was in flight: a request cut short by the end of the
// run is no failure of the target, but it is not lost either. A failure
// of its own in the grace (a timeout, a reset) is a failure.
func (w *worker) fail(err error, at time.Time) {
	if w.r.aborted.Load() {
		w.incomplete++
		return
	}
	class := Classify(err)
	w.errs[class]++
	w.failed.Add(1)
	w.lastDone = at
	w.interval(at).errs[class].Add(1)
	w.r.noteError(class)
}

// interval returns the worker's shard of the timeline interval time t
// falls in.
func (w *worker) interval(t time.Time) *interval {
	if idx := int(t.Sub(w.r.start) / w.r.cfg.Interval); w.iv == nil || w.ivIdx != idx {
		w.enter(idx)
	}
	return w.iv
}

// enter makes interval idx the worker's: a lock, and the interval's
// allocation for the first worker to enter it.
//
//go:noinline
func (w *worker) enter(idx int) {
	w.iv, w.ivIdx = w.r.intervals.shard(idx, w.id), idx
}

func (w *worker) finish() {
	if w.r.own != nil {
		w.r.own.finish(w)
	}
	w.live.Store(nil)
	w.iv = nil
}

// micros is d in microseconds, clamped into the histograms' range: a
// histogram drops a value beyond its highest, and a result must not lose a
// sample (an open loop that fell minutes behind its schedule does record
// latencies above 60 s), so such a value counts as the highest.
func micros(d time.Duration) int64 {
	return min(max(int64(d/time.Microsecond), 0), report.MaxLatencyUS)
}
