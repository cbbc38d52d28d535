package loadgen

import (
	"context"
	"net"
	"sync"
	"time"
)

// dial is the Transport's DialContext. It dials the resolved target as
// the engine dials for TCP (on Linux by the raw dial, see connector), so
// source addresses, socket options and the EADDRNOTAVAIL of connect() are
// the TCP path's, and it is numbered and counted as a worker's dial is
// (Runner.dialing, dialed), so that an onset counts it by when it began.
// Its number also takes the destinations and source addresses in turn.
//
// Every socket dialed counts as opened, for the worker whose request made
// the Transport dial: not only those a request got with
// httptrace.GotConnInfo.Reused false. When an older connection frees up
// first, the Transport gives it to the waiting request and parks the new
// one idle, marked reused before anyone used it, or closes it at once when
// MaxIdleConnsPerHost are idle already; either way it took a port (a
// quarter of the ports, measured with the default transport at concurrency
// 32). For the same reason the connect time is taken here rather than from
// httptrace's ConnectStart/ConnectDone.
func (h *httpProtocol) dial(ctx context.Context) (net.Conn, error) {
	h.underWay.add()
	defer h.underWay.done()
	// The Transport strips the request's cancellation from a dial, so the
	// run's I/O context ends one still under way at the end of the run.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.r.ioCtx, cancel)()
	start := time.Now()
	n := h.r.dialing()
	if h.beforeConnect != nil {
		h.beforeConnect()
	}
	// No port taken once the run is aborted: none is to be counted.
	if err := h.r.ioCtx.Err(); err != nil {
		return nil, err
	}
	c, err := h.connect(ctx, int(n-1))
	if err != nil {
		return nil, err
	}
	h.r.dialed(n)
	done := time.Now()
	if hw, ok := ctx.Value(httpWorkerKey{}).(*httpWorker); ok {
		hw.queueDial(done, done.Sub(start))
	}
	return c, nil
}

// finish ends w's share of the run. A dial under way then may hold a port
// handed out before an onset, and the Transport may be running it for no
// request (the one that asked got an older connection first). Like the
// requests in flight at the stop, it gets the grace to connect, and so to
// count, before the stopper aborts it: the worker waits for it here, as
// the stopper waits for the workers.
func (h *httpProtocol) finish(w *worker) {
	if none := h.underWay.none(); none != nil {
		t := time.NewTimer(h.r.grace(h.r.ioCtx)) // none once aborted
		select {
		case <-none:
		case <-h.r.ioCtx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	h.workers[w.id].recordDials()
}

// close runs once the workers are done and the run's I/O is aborted: the
// dials still under way end (see dial), and are recorded for the workers
// that asked for them, before the idle connections close.
func (h *httpProtocol) close() {
	if none := h.underWay.none(); none != nil {
		<-none
	}
	for i := range h.workers {
		h.workers[i].recordDials()
	}
	h.client.CloseIdleConnections()
}

// dialsUnderWay counts the Transport's dials in flight. A WaitGroup
// would not do: workers wait while other workers' requests still dial.
type dialsUnderWay struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n went back to 0
}

func (d *dialsUnderWay) add() {
	d.mu.Lock()
	if d.n == 0 {
		d.idle = make(chan struct{})
	}
	d.n++
	d.mu.Unlock()
}

func (d *dialsUnderWay) done() {
	d.mu.Lock()
	if d.n--; d.n == 0 {
		close(d.idle)
	}
	d.mu.Unlock()
}

// none returns a channel closed once no dial is under way, or nil when
// none is now.
func (d *dialsUnderWay) none() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == 0 {
		return nil
	}
	return d.idle
}
