package loadgen

import (
	"context"
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

type socketCounts struct{ timeWait, established int }

type timeline struct {
	start time.Time
	every time.Duration
	free  sync.Pool

	mu      sync.Mutex
	merged  map[int]*interval
	sockets map[int]socketCounts

	timeWaitNow atomic.Int64 // latest TIME_WAIT count, for the progress line
}

func newTimeline(start time.Time, every time.Duration) *timeline {
	t := &timeline{start: start, every: every, merged: map[int]*interval{}, sockets: map[int]socketCounts{}}
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
// the end of every interval, and once more when the run ends.
func (t *timeline) sampleSockets(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(t.every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				t.sample(time.Now())
				return
			case now := <-tick.C:
				t.sample(now)
			}
		}
	}()
	return done
}

func (t *timeline) sample(now time.Time) {
	tw, est, err := sockstate.Count()
	if err != nil {
		return
	}
	// A tick at k intervals closes interval k-1; build folds a short last
	// interval into the one before, so the final sample lands in the right
	// entry either way.
	idx := max(int((now.Sub(t.start)+t.every/2)/t.every)-1, 0)
	t.mu.Lock()
	t.sockets[idx] = socketCounts{tw, est}
	t.mu.Unlock()
	t.timeWaitNow.Store(int64(tw))
}

// build returns the timeline of a run that lasted elapsed, one entry per
// interval, counts per interval.
func (t *timeline) build(elapsed time.Duration) []report.Interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := int((elapsed + t.every - 1) / t.every)
	// A last interval shorter than a quarter of the rest is only the tail of
	// the run's stop: fold it into the one before.
	last := n - 1
	if n > 1 && elapsed-time.Duration(n-1)*t.every < t.every/4 {
		n--
		last = n
		if tail := t.merged[last]; tail != nil {
			prev := t.merged[n-1]
			if prev == nil {
				prev = &interval{idx: n - 1, hist: newIntervalHist()}
				t.merged[n-1] = prev
			}
			prev.add(tail)
		}
		if s, ok := t.sockets[last]; ok {
			t.sockets[n-1] = s
		}
	}
	out := make([]report.Interval, 0, n)
	for idx := 0; idx < n; idx++ {
		end := time.Duration(idx+1) * t.every
		if idx == n-1 {
			end = elapsed
		}
		ri := report.Interval{TS: end.Seconds(), Errors: map[string]int64{}, TimeWait: -1, Established: -1}
		if s, ok := t.sockets[idx]; ok {
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
