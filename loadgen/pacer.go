package loadgen

import (
	"context"
	"time"
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
	d := max(r.stopAt.Sub(r.start)-r.phase, 0)
	due := int64((d + r.period - 1) / r.period)
	if r.cfg.Requests > 0 {
		due = min(due, r.cfg.Requests)
	}
	n := max(due-r.seq.Load(), 0)
	for _, w := range r.workers {
		if !w.abandoned.IsZero() && w.abandoned.Before(r.stopAt) {
			n++
		}
	}
	return n
}
