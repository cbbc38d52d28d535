package loadgen

import (
	"time"

	"github.com/portlab/portlab/internal/resident"
)

// trimResident releases the pages of the binary that the set-up touched
// (start-up, flags, resolving, the preflight) from the resident set, so
// that a run's RSS is its working set: once now, before the clock starts,
// and once after the run has settled, unless it has stopped by then: the
// workers' first stack growth and the first interval's socket sample walk
// the runtime's tables for every function on their stacks, pages that a
// steady run does not touch again. Both are best effort and safe at any
// moment (see resident.Trim); a failure costs only memory, so it is not
// reported.
func (r *Runner) trimResident() {
	resident.Trim()
	time.AfterFunc(settleTime(r.cfg.Interval), func() {
		if !r.stopped.Load() {
			resident.Trim()
		}
	})
}

// settleTime is when a run has settled: past its first interval, and at
// least a second and a half in.
func settleTime(interval time.Duration) time.Duration {
	return max(interval, time.Second) * 3 / 2
}
