package loadgen

import (
	"time"

	"github.com/portlab/portlab/internal/resident"
	"github.com/portlab/portlab/report"
)

// usage is what the process has cost so far (getrusage): user and system
// CPU time, and its peak resident set; and its resident set now, where
// the system says (resident.Current).
type usage struct {
	user, sys time.Duration
	maxRSSKB  int64
	rss       resident.Set
}

// clientCost is what the process cost between the usages at the run's
// start and end, wall apart, for started requests; nil when either was
// not measured.
func clientCost(start, end usage, ok bool, wall time.Duration, started int64) *report.ClientCost {
	if !ok {
		return nil
	}
	user, sys := end.user-start.user, end.sys-start.sys
	c := &report.ClientCost{CPUUserS: user.Seconds(), CPUSysS: sys.Seconds(), MaxRSSKB: end.maxRSSKB,
		RSSKB: end.rss.KB, RSSAnonKB: end.rss.AnonKB, RSSFileKB: end.rss.FileKB}
	if wall > 0 {
		c.CPUBusy = (user + sys).Seconds() / wall.Seconds()
	}
	if started > 0 {
		c.CPUPerRequestUS = float64((user+sys)/time.Nanosecond) / 1e3 / float64(started)
	}
	return c
}
