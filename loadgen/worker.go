package loadgen

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/portlab/portlab/report"
)

// worker is one concurrency slot. Everything but the atomics is touched by
// its own goroutine alone until Run merges it after the workers stop.
type worker struct {
	// Read live by the progress line and onset bookkeeping.
	ok, failed, conns atomic.Int64
	// live is the connection in use, so the stopper can abort its I/O.
	live atomic.Pointer[conn]
	_    [64]byte // keep the next worker's atomics off this cache line

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
	payload       []byte
	buf           []byte  // one byte more than payload, to catch long replies
	conn          *conn   // ModeKeepAlive: this worker's connection
	held          []*conn // Hold: every connection so far, closed at the end
	nextSource    int
	timer         *time.Timer
	iv            *interval // the shard of timeline interval ivIdx
	ivIdx         int
}

func newWorker(r *Runner, id int) *worker {
	w := &worker{
		r:          r,
		id:         id,
		lat:        &r.latencies[id%len(r.latencies)],
		payload:    make([]byte, r.cfg.Payload),
		buf:        make([]byte, r.cfg.Payload+1),
		nextSource: id,
	}
	for i := range w.payload {
		w.payload[i] = byte('a' + i%26)
	}
	return w
}

// loop runs requests until the run stops. ctx is the run's: its end stops
// new requests; those in flight run on until the stopper aborts them.
func (w *worker) loop(ctx context.Context) {
	defer w.finish()
	request := w.request
	if w.r.own != nil {
		request = w.requestOwn
	}
	for {
		intended, ok := w.next(ctx)
		if !ok {
			return
		}
		request(ctx, intended)
	}
}

// request performs one request of a connProtocol: get a connection
// (dialing if need be), exchange, keep or close the connection as the Mode
// says. intended is the open loop's scheduled send time, zero in a closed
// loop.
func (w *worker) request(ctx context.Context, intended time.Time) {
	start := time.Now()
	c, ok := w.acquire(ctx)
	if !ok || w.r.stopped.Load() {
		// The run stopped while this request waited for a pooled
		// connection (or as it got one): it never started. In an open
		// loop it was due, so it counts as unsent.
		if ok && w.r.cfg.Mode == ModePool {
			w.r.pool <- c // back unused: never blocks, one slot each
		}
		w.abandoned = intended
		return
	}
	w.started++
	if intended.IsZero() {
		intended = start
	}
	t1 := start
	if c == nil {
		var err error
		if c, err = w.dial(); err != nil {
			w.fail(err, time.Now())
			w.release(nil)
			return
		}
		t1 = time.Now()
		w.opened(t1, t1.Sub(start))
	}
	w.setDeadline(c, t1)
	if w.r.aborted.Load() { // after setDeadline: the stopper's deadline wins
		c.Close()
		w.release(nil)
		w.incomplete++
		return
	}
	end, err := w.r.conns.exchange(w, c.Conn)
	if err != nil {
		w.fail(err, end)
		c.Close()
		w.release(nil)
		return
	}
	w.succeed(intended, t1, end)
	w.release(c)
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
	w.succeed(intended, t1, end)
}

// succeed records a request that succeeded: it was due at intended, sent
// on a connection at t1, and answered at end.
func (w *worker) succeed(intended, t1, end time.Time) {
	w.lat.roundTrip.record(micros(end.Sub(t1)))
	totalUS := micros(end.Sub(intended))
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
		w.iv, w.ivIdx = w.r.intervals.shard(idx, w.id), idx
	}
	return w.iv
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
