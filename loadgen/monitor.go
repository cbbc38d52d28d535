package loadgen

import (
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Monitor reads a run's figures while it goes on, for a dashboard: give it
// to a run with WithMonitor, then call Read from any goroutine. It reads
// the counters and histograms the run keeps anyway, so watching costs the
// run nothing but the reads themselves.
type Monitor struct {
	run atomic.Pointer[Runner]
}

// WithMonitor attaches m to the run: m reads it from the moment its clock
// starts.
func WithMonitor(m *Monitor) Option { return func(o *options) { o.monitor = m } }

// Live is a run so far. Counts are cumulative since the start, as a
// monitoring system's counters are; they end equal to the result's.
type Live struct {
	Elapsed           time.Duration
	RequestsOK        int64
	RequestsFailed    int64
	ConnectionsOpened int64
	// Errors counts failed requests by error class (report.ErrorClasses).
	Errors map[string]int64
	// Latency is the total latency of the requests completed so far, in
	// microseconds.
	Latency *hdrhistogram.Histogram
	// TimeWait is the latest count of TIME_WAIT sockets in the run's
	// network namespace, or -1 before the first sample or where it
	// cannot be read.
	TimeWait int64
}

// Read returns the run so far, and false before the run's clock starts.
func (m *Monitor) Read() (Live, bool) {
	r := m.run.Load()
	if r == nil {
		return Live{}, false
	}
	return r.live(), true
}

// live adds up the run's figures so far. The workers, histograms and
// timeline it reads are made before the monitor sees the run, and every
// counter in them is atomic.
func (r *Runner) live() Live {
	l := Live{Elapsed: time.Since(r.start), Errors: map[string]int64{}, TimeWait: r.intervals.timeWaitNow.Load()}
	for _, w := range r.workers {
		l.RequestsOK += w.ok.Load()
		l.RequestsFailed += w.failed.Load()
		l.ConnectionsOpened += w.conns.Load()
	}
	for c, n := range r.intervals.errorsSoFar() {
		if n > 0 {
			l.Errors[ErrorClass(c).String()] = n
		}
	}
	total := make([]*histogram, len(r.latencies))
	for i := range r.latencies {
		total[i] = r.latencies[i].total
	}
	l.Latency = merged(total)
	return l
}

// errorsSoFar adds up the errors of every interval so far by class.
func (t *timeline) errorsSoFar() (errs [numClasses]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, shards := range t.intervals {
		for i := range shards {
			for c := range shards[i].errs {
				errs[c] += shards[i].errs[c].Load()
			}
		}
	}
	return errs
}
