package loadgen

import (
	"context"
	"time"

	"github.com/portlab/portlab/config"
)

// next claims the next request: false when the run is over. It is the
// run's one pacer: in an open loop (Rate) every request has its own slot
// in one global schedule, whichever worker takes it; intended is that
// scheduled send time, zero in a closed loop.
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
			intended = r.start.Add(r.phase + time.Duration(n)*r.period)
			if !intended.Before(r.deadline) {
				return time.Time{}, false
			}
			// Not started once the run has stopped, even when the
			// timer won the race: a send is due only before the stop.
			if !w.sleepUntil(ctx, intended) || ctx.Err() != nil {
				w.abandoned = intended
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

// unsent counts the open loop's sends that were due before the run
// stopped but never started: claimed slots abandoned at the stop, and
// slots no worker was free to claim. Slot n is due at start + phase +
// n*period; the slots due before stopAt are the first
// ceil((stopAt-start-phase)/period), at most Requests. Every started
// request was due before the stop (next starts none after it), so
// started + unsent is that count.
func (r *Runner) unsent() int64 {
	if r.period <= 0 {
		return 0
	}
	due := dueBefore(r.stopAt.Sub(r.start), r.period, r.phase, r.cfg.Requests)
	n := max(due-r.seq.Load(), 0)
	for _, w := range r.workers {
		if !w.abandoned.IsZero() && w.abandoned.Before(r.stopAt) {
			n++
		}
	}
	return n
}

// openSchedule is the open loop's period and phase (slot n is due at
// phase + n*period after the start) for shard s of a load of rate
// requests/s. Both are whole multiples of the whole load's period, so
// shard i's slots are exactly the whole load's slots i, i+N, i+2N, ...:
// the shards together schedule what one process would, to the
// nanosecond, however the rate divides. (Dividing the rate by N and
// rounding each shard's period apart would drift from it, and lose or
// add a slot at the deadline.) A whole load (Count 0 or 1) has phase 0.
func openSchedule(rate float64, s config.Shard) (period, phase time.Duration) {
	period = time.Duration(float64(time.Second) / rate)
	if s.Count <= 1 {
		return period, 0
	}
	return period * time.Duration(s.Count), period * time.Duration(s.Index)
}

// dueBefore counts the slots of a schedule (period, phase) due within d
// of the start, at most requests (0: no count limit): slot n is due
// before d when phase + n*period < d, so the first
// ceil((d-phase)/period).
func dueBefore(d, period, phase time.Duration, requests int64) int64 {
	d = max(d-phase, 0)
	due := int64((d + period - 1) / period)
	if requests > 0 {
		due = min(due, requests)
	}
	return due
}
