package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/portlab/portlab/report"
)

// waitStart waits for the instant the measured window is to begin
// (Config.StartAt or StartDelay), so that shards started apart measure
// one window. The end of ctx ends the wait: the run then stops at once,
// with nothing sent, and writes its result as any interrupted run does.
func (r *Runner) waitStart(ctx context.Context) {
	d := time.Until(r.startAt)
	if r.startAt.IsZero() || d <= 0 {
		return
	}
	if r.opts.progress != nil {
		fmt.Fprintf(r.opts.progress, "waiting %s, to start at %s\n", d.Round(time.Millisecond), r.startAt.UTC().Format(time.RFC3339Nano))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		r.stopped.Store(true) // no worker starts a request: the stopper would say so too, later
	}
}

// lateNote is how late a window may begin after its start time without a
// note: a timer fires a little late on any machine.
const lateNote = 100 * time.Millisecond

// noteStart labels a shard's result and says when its window began
// against the start time it was given.
func (r *Runner) noteStart(res *report.Result) {
	if r.shard.Count > 0 {
		s := r.shard
		res.Shard = &s
		res.Label = s.Label(r.cfg.Label)
	}
	if r.startAt.IsZero() {
		return
	}
	at := r.startAt.UTC().Format(time.RFC3339Nano)
	switch late := r.start.Sub(r.startAt); {
	case late < 0:
		res.Notes = append(res.Notes, "interrupted while waiting to start at "+at+": no request was sent")
	case late > lateNote:
		res.Notes = append(res.Notes, fmt.Sprintf("began %.3f s after its start time %s", late.Seconds(), at))
	}
}
