package loadgen

import (
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/report"
)

// interval is one worker's share of one timeline interval. A worker fills
// its own and hands it over when its clock passes the interval's end, so
// the timeline costs a lock per interval per worker, never per request.
type interval struct {
	idx   int
	ok    int64
	conns int64
	errs  [numClasses]int64
	hist  *hdrhistogram.Histogram
}

func (iv *interval) add(o *interval) {
	iv.ok += o.ok
	iv.conns += o.conns
	for i, n := range o.errs {
		iv.errs[i] += n
	}
	iv.hist.Merge(o.hist)
}

// Interval histograms keep two significant digits: one per worker is live
// at a time, and a timeline's p50/p99 need no more precision than that.
func newIntervalHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(report.MinLatencyUS, report.MaxLatencyUS, 2)
}

// socketCounts is one sample of the namespace's sockets, taken at.
type socketCounts struct {
	at                    time.Time
	timeWait, established int
}

type timeline struct {
	start time.Time
	every time.Duration
	free  sync.Pool

	mu      sync.Mutex
	merged  map[int]*interval
	sockets []socketCounts // in the order taken

	timeWaitNow atomic.Int64 // latest TIME_WAIT count, for the progress line
}

func newTimeline(start time.Time, every time.Duration) *timeline {
	t := &timeline{start: start, every: every, merged: map[int]*interval{}}
	t.free.New = func() any { return &interval{hist: newIntervalHist()} }
	t.timeWaitNow.Store(-1)
	return t
}

func (t *timeline) get(idx int) *interval {
	iv := t.free.Get().(*interval)
	iv.idx = idx
	return iv
}

// submit merges a worker's finished interval and recycles it.
func (t *timeline) submit(iv *interval) {
	if iv == nil {
		return
	}
	t.mu.Lock()
	m := t.merged[iv.idx]
	if m == nil {
		m = &interval{idx: iv.idx, hist: newIntervalHist()}
		t.merged[iv.idx] = m
	}
	m.add(iv)
	t.mu.Unlock()

	iv.ok, iv.conns, iv.errs = 0, 0, [numClasses]int64{}
	iv.hist.Reset()
	t.free.Put(iv)
}

// sampleSockets counts the namespace's TIME_WAIT and ESTABLISHED sockets at
// the end of every interval until done is closed; the engine takes the
// last sample itself, at the real end of the run.
func (t *timeline) sampleSockets(done <-chan struct{}) <-chan struct{} {
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(t.every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				t.sample(now)
			}
		}
	}()
	return finished
}

// sample records the socket counts at now. A failed read leaves no
// sample: the interval takes the next one (see socketsAt).
func (t *timeline) sample(now time.Time) {
	tw, est, err := sockstate.Count()
	if err != nil {
		return
	}
	t.mu.Lock()
	t.sockets = append(t.sockets, socketCounts{now, tw, est})
	t.mu.Unlock()
	t.timeWaitNow.Store(int64(tw))
}

// socketsAt is the first sample taken at or after end, the state that
// interval ended in as nearly as was seen: a tick late on a busy machine,
// or a missed one, moves a row's sample later but never leaves the row
// without one. The last row takes the last sample, the run's real end.
func (t *timeline) socketsAt(end time.Duration, last bool) (socketCounts, bool) {
	if len(t.sockets) == 0 {
		return socketCounts{}, false
	}
	if !last {
		for _, s := range t.sockets {
			if s.at.Sub(t.start) >= end {
				return s, true
			}
		}
	}
	return t.sockets[len(t.sockets)-1], true
}

// build returns the timeline of a run whose measured window lasted
// elapsed, one entry per interval, counts per interval. What was answered
// after the window (in the grace) is counted in the last entry, so the
// timeline adds up to the totals.
func (t *timeline) build(elapsed time.Duration) []report.Interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := max(int((elapsed+t.every-1)/t.every), 1)
	// A last interval shorter than a quarter of the rest is only the tail of
	// the run's stop: fold it into the one before.
	if n > 1 && elapsed-time.Duration(n-1)*t.every < t.every/4 {
		n--
	}
	t.foldFrom(n - 1)
	out := make([]report.Interval, 0, n)
	for idx := 0; idx < n; idx++ {
		end := time.Duration(idx+1) * t.every
		if idx == n-1 {
			end = elapsed
		}
		ri := report.Interval{TS: end.Seconds(), Errors: map[string]int64{}, TimeWait: -1, Established: -1}
		if s, ok := t.socketsAt(end, idx == n-1); ok {
			ri.TimeWait, ri.Established = s.timeWait, s.established
		}
		if m := t.merged[idx]; m != nil {
			ri.RequestsOK = m.ok
			ri.ConnectionsOpened = m.conns
			for c, k := range m.errs {
				if k > 0 {
					ri.Errors[ErrorClass(c).String()] = k
				}
			}
			if m.hist.TotalCount() > 0 {
				ri.P50US = m.hist.ValueAtQuantile(50)
				ri.P99US = m.hist.ValueAtQuantile(99)
			}
		}
		out = append(out, ri)
	}
	return out
}

// foldFrom adds every interval after last into last.
func (t *timeline) foldFrom(last int) {
	for idx, m := range t.merged {
		if idx <= last {
			continue
		}
		into := t.merged[last]
		if into == nil {
			into = &interval{idx: last, hist: newIntervalHist()}
			t.merged[last] = into
		}
		into.add(m)
		delete(t.merged, idx)
	}
}
