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
