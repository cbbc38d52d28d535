package ports

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/portlab/portlab/internal/procsock"
	"github.com/portlab/portlab/internal/sockstate"
)

// Inspect reads the ephemeral range, the reserved ports and the TCP sockets
// of this host (on Linux: of the caller's network namespace). What this OS
// cannot provide is listed in Report.Unsupported; an OS where not even the
// range can be read returns an error wrapping [errors.ErrUnsupported].
func Inspect() (*Report, error) {
	snap, err := inspect(true)
	if err != nil {
		return nil, err
	}
	return snap.report, nil
}

// Watch inspects twice, every apart, and fills GrowthPerS and ExhaustionInS
// of each destination from the difference. Where socket states are not
// supported it returns the first report without waiting. If ctx is done
// during the wait, Watch returns the first report and ctx.Err().
func Watch(ctx context.Context, every time.Duration) (*Report, error) {
	if every <= 0 {
		return nil, fmt.Errorf("ports: watch interval: must be > 0, got %v", every)
	}
	var w Watcher
	first, err := w.Sample()
	if err != nil || !w.supported() {
		return first, err
	}
	t := time.NewTimer(every)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return first, ctx.Err()
	case <-t.C:
	}
	return w.Sample()
}

// Watcher inspects again and again; each report after the first carries
// the growth since the one before and the forecast from it.
type Watcher struct {
	// SkipOwners leaves Owners empty: scanning every process's descriptors
	// costs more than the socket dump, too much for every scrape of an
	// exporter.
	SkipOwners bool

	prev *snapshot
}

// Sample inspects now. From the second call on, each destination's
// GrowthPerS and ExhaustionInS compare it with the previous sample.
func (w *Watcher) Sample() (*Report, error) {
	now, err := inspect(!w.SkipOwners)
	if err != nil {
		return nil, err
	}
	if w.prev != nil && w.prev.sample != nil && now.sample != nil {
		growth(now, w.prev)
	}
	w.prev = now
	return now.report, nil
}

func (w *Watcher) supported() bool { return w.prev != nil && w.prev.sample != nil }

// snapshot is one inspection with what Watch needs to compare two.
type snapshot struct {
	report   *Report
	reserved [][2]int
	sample   *sockstate.Sample // nil where socket states are unsupported
	at       time.Time
}

func inspect(owners bool) (*snapshot, error) {
	r := newReport(runtime.GOOS)
	reserved, err := readHost(r)
	if err != nil {
		return nil, err
	}
	var sample *sockstate.Sample
	var at time.Time
	take := func() { sample, err = sockstate.Take(); at = time.Now() }
	var procs *procsock.Result
	var procsErr error
	if owners {
		procs, procsErr = scanAround(take)
	} else {
		take()
	}
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		r.Unsupported = append(r.Unsupported, statesUnsupported)
		sample = nil
	case err != nil:
		return nil, fmt.Errorf("ports: %w", err)
	default:
		fill(r, reserved, sample)
		if owners {
			attachOwners(r, sample, procs, procsErr)
		}
	}
	return &snapshot{report: r, reserved: reserved, sample: sample, at: at}, nil
}

// growth sets GrowthPerS and ExhaustionInS of now's destinations from the
// ports they held in before, counted against now's range: a destination new
// since then grew from zero.
func growth(now, before *snapshot) {
	r := now.report
	dt := now.at.Sub(before.at).Seconds()
	if dt <= 0 {
		return
	}
	prev := make(map[string]int)
	for _, d := range FromSample(r.IPLocalPortRange[0], r.IPLocalPortRange[1], now.reserved, before.sample) {
		prev[d.Remote] = d.PortsUsed
	}
	for i := range r.Destinations {
		d := &r.Destinations[i]
		g := float64(d.PortsUsed-prev[d.Remote]) / dt
		d.GrowthPerS = &g
		if g > 0 {
			left := float64(max(r.UsablePorts-d.PortsUsed, 0)) / g
			d.ExhaustionInS = &left
		}
	}
	explain(r)
}
