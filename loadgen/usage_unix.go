//go:build unix

package loadgen

import (
	"runtime"
	"syscall"
	"time"

	"github.com/portlab/portlab/internal/resident"
)

// processUsage is the process's CPU time so far, its peak resident set
// and, on Linux, its resident set now.
func processUsage() (usage, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}, false
	}
	maxRSS := int64(ru.Maxrss) // kB, but bytes on Apple's systems
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		maxRSS /= 1024
	}
	rss, _ := resident.Current() // elsewhere none: the result leaves the fields out
	return usage{
		user:     time.Duration(ru.Utime.Nano()),
		sys:      time.Duration(ru.Stime.Nano()),
		maxRSSKB: maxRSS,
		rss:      rss,
	}, true
}
