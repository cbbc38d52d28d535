package loadgen

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/report"
)

// interval is one shard of one timeline interval. Every worker of the
// shard adds to it atomically, so the timeline costs no merge per worker:
// its state grows with the intervals and the CPUs, never with the
// concurrency. The padding keeps two shards' counters off one cache line.
type interval struct {
	ok, conns atomic.Int64
	errs      [numClasses]atomic.Int64
	hist      *histogram
	_         [64]byte
}

// Interval histograms keep two significant digits: a timeline's p50/p99
// need no more precision than that.
const intervalFigures = 2

// intervalSum is the intervals' shards added up, for the result.
type intervalSum struct {
	ok, conns int64
	errs      [numClasses]int64
	counts    []int64
}

func (s *intervalSum) add(shards []interval) {
	for i := range shards {
		iv := &shards[i]
		s.ok += iv.ok.Load()
		s.conns += iv.conns.Load()
		for c := range iv.errs {
			s.errs[c] += iv.errs[c].Load()
		}
		iv.hist.addTo(s.counts)
	}
}

// socketCounts is one sample of the namespace's sockets, taken at.
type socketCounts struct {
	at                    time.Time
	timeWait, established int
}

type timeline struct {
	start time.Time
	every time.Duration

	mu        sync.Mutex
	intervals map[int][]interval // by index, then shard
	shards    int
	sockets   []socketCounts // in the order taken
	// ahead holds the latest intervals made, by index modulo its length.
	// The sampler makes each interval before the workers enter it
	// (prepare), so a worker enters it by an atomic load: no lock and no
	// allocation on the worker's stack, which they would grow past 2 kB.
	ahead []atomic.Pointer[intervalShards]

	timeWaitNow atomic.Int64 // latest TIME_WAIT count, for the progress line
}

// intervalShards is interval idx's shards.
type intervalShards struct {
	idx    int
	shards []interval
}

func newTimeline(start time.Time, every time.Duration) *timeline {
	t := &timeline{start: start, every: every, intervals: map[int][]interval{}, shards: numShards()}
	t.ahead = make([]atomic.Pointer[intervalShards], lookahead(every)+2)
	t.timeWaitNow.Store(-1)
	t.prepare(start)
	return t
}

// lookahead is how many intervals the sampler makes ahead of the one
// it is in: a second's worth and one more, so that a sampler late by up
// to a second (counting 10,000 sockets on a busy machine) still has.
func lookahead(every time.Duration) int {
	return min(int(time.Second/every), 32) + 1
}

// prepare makes the interval that now falls in and those ahead of it.
func (t *timeline) prepare(now time.Time) {
	idx := int(now.Sub(t.start) / t.every)
	for i := max(idx, 0); i <= idx+lookahead(t.every); i++ {
		t.make(i)
	}
}

// shard returns shard i of interval idx. A worker calls it when its clock
// enters a new interval and keeps the pointer: an atomic load per interval
// per worker, a lock only when the sampler has not made it yet.
func (t *timeline) shard(idx, i int) *interval {
	if s := t.ahead[idx%len(t.ahead)].Load(); s != nil && s.idx == idx {
		return &s.shards[i%t.shards]
	}
	return &t.make(idx)[i%t.shards]
}

// make returns interval idx's shards, made if need be.
func (t *timeline) make(idx int) []interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	ivs := t.intervals[idx]
	if ivs == nil {
		ivs = make([]interval, t.shards)
		for j := range ivs {
			ivs[j].hist = newHistogram(intervalFigures)
		}
		t.intervals[idx] = ivs
		slot := &t.ahead[idx%len(t.ahead)]
		if s := slot.Load(); s == nil || s.idx < idx {
			slot.Store(&intervalShards{idx, ivs})
		}
	}
	return ivs
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
				t.prepare(now)
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
	sums := t.sums(n)
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
		if m := sums[idx]; m != nil {
			ri.RequestsOK = m.ok
			ri.ConnectionsOpened = m.conns
			for c, k := range m.errs {
				if k > 0 {
					ri.Errors[ErrorClass(c).String()] = k
				}
			}
			if h := hdrOf(intervalFigures, m.counts); h.TotalCount() > 0 {
				ri.P50US = h.ValueAtQuantile(50)
				ri.P99US = h.ValueAtQuantile(99)
			}
		}
		out = append(out, ri)
	}
	return out
}

// sums adds up each interval's shards into n rows: every interval from
// the last row on is folded into it.
func (t *timeline) sums(n int) []*intervalSum {
	sums := make([]*intervalSum, n)
	for idx, shards := range t.intervals {
		row := max(min(idx, n-1), 0)
		if sums[row] == nil {
			sums[row] = &intervalSum{counts: make([]int64, len(shards[0].hist.counts))}
		}
		sums[row].add(shards)
	}
	return sums
}
