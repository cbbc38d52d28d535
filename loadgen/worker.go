package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/portlab/portlab/report"
)

// worker is one concurrency slot. Everything but the atomics is touched by
// its own goroutine alone until Run merges it after the workers stop.
type worker struct {
	// Read live by the progress line and onset bookkeeping.
	ok, failed, conns atomic.Int64
	// live is the connection in use, so the stopper can abort its I/O.
	live atomic.Pointer[net.TCPConn]
	_    [64]byte // keep the next worker's atomics off this cache line

	r             *run
	errs          [numClasses]int64
	bytesSent     int64
	bytesReceived int64
	connect       *hdrhistogram.Histogram
	roundTrip     *hdrhistogram.Histogram
	total         *hdrhistogram.Histogram
	payload, buf  []byte
	conn          *net.TCPConn // ModeKeepAlive: this worker's connection
	deadline      time.Time    // the I/O deadline set on conn
	uses          int          // requests on conn
	nextSource    int
	timer         *time.Timer
	iv            *interval
}

func newWorker(r *run, id int) *worker {
	w := &worker{
		r:          r,
		connect:    report.NewHDR(),
		roundTrip:  report.NewHDR(),
		total:      report.NewHDR(),
		payload:    make([]byte, r.cfg.Payload),
		buf:        make([]byte, r.cfg.Payload),
		nextSource: id,
	}
	for i := range w.payload {
		w.payload[i] = byte('a' + i%26)
	}
	return w
}

// loop runs requests until the run stops. Each protocol has its own loop,
// chosen once here, so the TCP request path carries no protocol test.
func (w *worker) loop(ctx context.Context) {
	defer w.finish()
	switch w.r.cfg.Protocol {
	case ProtocolHTTP:
		w.loopHTTP(ctx)
		return
	case ProtocolUDP:
		w.loopUDP(ctx)
		return
	}
	for {
		intended, ok := w.next(ctx)
		if !ok {
			return
		}
		w.request(ctx, intended)
	}
}

// each runs request for every request the run hands this worker. The TCP
// loop spells it out, to spare its requests the indirect call.
func (w *worker) each(ctx context.Context, request func(ctx context.Context, intended time.Time)) {
	for {
		intended, ok := w.next(ctx)
		if !ok {
			return
		}
		request(ctx, intended)
	}
}

// next claims the next request: false when the run is over. intended is
// the open loop's scheduled send time, zero in a closed loop.
func (w *worker) next(ctx context.Context) (intended time.Time, ok bool) {
	r := w.r
	if r.stopped.Load() {
		return time.Time{}, false
	}
	if r.cfg.Requests > 0 || r.period > 0 {
		n := r.seq.Add(1) - 1
		if r.cfg.Requests > 0 && n >= r.cfg.Requests {
			return time.Time{}, false
		}
		if r.period > 0 {
			intended = r.start.Add(time.Duration(n) * r.period)
			if !intended.Before(r.deadline) {
				return time.Time{}, false
			}
			if !w.sleepUntil(ctx, intended) {
				return time.Time{}, false
			}
		}
	}
	return intended, true
}

// sleepUntil waits for the open loop's intended send time; false when the
// run stopped meanwhile.
func (w *worker) sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	select {
	case <-w.timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// request performs one request: get a connection (dialing if need be),
// write the payload, read the echo. intended is the open loop's scheduled
// send time, zero in a closed loop.
func (w *worker) request(ctx context.Context, intended time.Time) {
	r := w.r
	start := time.Now()
	if intended.IsZero() {
		intended = start
	}
	c, ok := w.acquire(ctx)
	if !ok {
		return
	}
	dialed := c == nil
	if dialed {
		var err error
		if c, err = w.dial(ctx); err != nil {
			w.fail(ctx, err, time.Now())
			w.release(nil)
			return
		}
	}
	t1 := start
	if dialed {
		t1 = time.Now()
		w.connect.RecordValue(int64(t1.Sub(start) / time.Microsecond))
		w.deadline = time.Time{}
	}
	// Moving a deadline costs a runtime timer update, so a reused
	// connection keeps its deadline until a tenth of the timeout is used up:
	// a request then times out after 90-100% of --timeout.
	if t1.Add(r.cfg.Timeout - r.cfg.Timeout/10).After(w.deadline) {
		w.deadline = t1.Add(r.cfg.Timeout)
		c.SetDeadline(w.deadline)
	}
	n, err := c.Write(w.payload)
	w.bytesSent += int64(n)
	if err == nil {
		n, err = io.ReadFull(c, w.buf)
		w.bytesReceived += int64(n)
	}
	end := time.Now()
	if err == nil && r.cfg.AwaitClose {
		err = awaitEOF(c, w.buf)
	}
	if err != nil {
		w.fail(ctx, err, end)
		c.Close()
		w.release(nil)
		return
	}
	w.succeed(intended, t1, end)
	w.release(c)
}

// succeed records a request that succeeded: it was due at intended, sent
// on a connection at t1, and answered at end.
func (w *worker) succeed(intended, t1, end time.Time) {
	w.roundTrip.RecordValue(int64(end.Sub(t1) / time.Microsecond))
	totalUS := int64(end.Sub(intended) / time.Microsecond)
	w.total.RecordValue(totalUS)
	w.ok.Add(1)
	iv := w.interval(end)
	iv.ok++
	iv.hist.RecordValue(totalUS)
}

// opened records a new connection (or UDP socket) that took connect to
// set up, at t. The TCP path records its own in dial and request.
func (w *worker) opened(t time.Time, connect time.Duration) {
	w.conns.Add(1)
	w.interval(t).conns++
	w.connect.RecordValue(int64(connect / time.Microsecond))
}

// acquire returns the connection to use, or nil when a new one must be
// dialed; false when the run stopped while waiting for the pool.
func (w *worker) acquire(ctx context.Context) (*net.TCPConn, bool) {
	switch w.r.cfg.Mode {
	case ModeKeepAlive:
		return w.conn, true
	case ModePool:
		select {
		case c := <-w.r.pool:
			if c != nil {
				w.live.Store(c)
				w.deadline = time.Time{} // another worker set this conn's deadline
			}
			return c, true
		case <-ctx.Done():
			return nil, false
		}
	}
	return nil, true
}

// release disposes of c after a request (nil after a failure).
func (w *worker) release(c *net.TCPConn) {
	switch w.r.cfg.Mode {
	case ModeNew:
		if c != nil {
			c.Close()
		}
	case ModeKeepAlive:
		w.uses++
		if c != nil && w.r.cfg.RequestsPerConn > 0 && w.uses >= w.r.cfg.RequestsPerConn {
			c.Close()
			c = nil
		}
		if c == nil {
			w.uses = 0
		}
		w.conn = c
	case ModePool:
		w.r.pool <- c // never blocks: one slot per pooled connection
	}
}

func (w *worker) dial(ctx context.Context) (*net.TCPConn, error) {
	c, err := w.r.dialOnce(ctx, w.nextSource)
	w.nextSource++
	if err != nil {
		return nil, err
	}
	w.conns.Add(1)
	w.interval(time.Now()).conns++
	w.live.Store(c)
	if w.r.cfg.Linger >= 0 {
		c.SetLinger(w.r.cfg.Linger)
	}
	return c, nil
}

// fail counts a failed request, unless the run is stopping: requests cut
// short by the end of the run are not failures of the target.
func (w *worker) fail(ctx context.Context, err error, at time.Time) {
	if w.r.stopped.Load() {
		return
	}
	if ctx.Err() != nil || !at.Before(w.r.deadline) {
		// The run ended under this request before the stopper saw it:
		// the dial's deadline can fire a moment before the run's own.
		w.r.stopped.Store(true)
		return
	}
	class := Classify(err)
	w.errs[class]++
	w.failed.Add(1)
	w.interval(at).errs[class]++
	w.r.noteError(class)
}

// interval returns the timeline bucket for time t, handing the previous one
// to the collector when t has moved past it.
func (w *worker) interval(t time.Time) *interval {
	idx := int(t.Sub(w.r.start) / w.r.cfg.Interval)
	if w.iv == nil || w.iv.idx != idx {
		w.r.intervals.submit(w.iv)
		w.iv = w.r.intervals.get(idx)
	}
	return w.iv
}

func (w *worker) finish() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
	w.live.Store(nil)
	w.r.intervals.submit(w.iv)
	w.iv = nil
}

// errNoServerClose is the failure of a server that answered but did not
// close when the client waited for it to.
var errNoServerClose = errors.New("server sent more data instead of closing")

// awaitEOF reads until the server's FIN. Any further byte is an error.
func awaitEOF(c *net.TCPConn, buf []byte) error {
	n, err := c.Read(buf[:1])
	if err == io.EOF {
		return nil
	}
	if err == nil && n > 0 {
		return errNoServerClose
	}
	return err
}
