package loadgen

import (
	"context"
	"fmt"
	"time"
)

// progress prints a live status line to WithProgress's writer every second.
func (r *Runner) progress(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if r.opts.progress == nil {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		var lastOK int64
		last := r.start
		for {
			select {
			case <-ctx.Done():
				fmt.Fprint(r.opts.progress, "\r\033[K")
				return
			case now := <-tick.C:
				var ok, failed, conns int64
				for _, w := range r.workers {
					ok += w.ok.Load()
					failed += w.failed.Load()
					conns += w.conns.Load()
				}
				rate := float64(ok-lastOK) / now.Sub(last).Seconds()
				lastOK, last = ok, now
				tw := "?"
				if n := r.intervals.timeWaitNow.Load(); n >= 0 {
					tw = fmt.Sprint(n)
				}
				fmt.Fprintf(r.opts.progress, "\r\033[K%5.1fs  %d ok  %.0f/s  %d errors  %d conns  TIME_WAIT %s",
					now.Sub(r.start).Seconds(), ok, rate, failed, conns, tw)
			}
		}
	}()
	return done
}
