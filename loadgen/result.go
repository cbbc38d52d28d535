package loadgen

import (
	"fmt"
	"strconv"
	"time"

	"github.com/portlab/portlab/report"
)

// result merges what the workers measured into the run's result; elapsed
// is the measured window.
func (r *Runner) result(env report.Environment, elapsed time.Duration) (*report.Result, error) {
	res := &report.Result{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "portlab", Version: r.opts.version},
		Label:         r.cfg.Label,
		Target:        r.targetName(),
		Strategy:      r.cfg.Strategy(),
		StartedAt:     r.start.UTC(),
		ElapsedS:      elapsed.Seconds(),
		WindDownS:     max(r.end.Sub(r.start)-elapsed, 0).Seconds(),
		Config:        &report.RunConfig{Load: r.cfg},
		Environment:   env,
		Errors:        map[string]int64{},
		Onset:         map[string]report.Onset{},
	}
	if err := r.mergeWorkers(res); err != nil {
		return nil, err
	}
	if r.period > 0 {
		res.Totals.RequestsUnsent = r.unsent()
		res.Totals.RequestsScheduled = res.Totals.RequestsStarted + res.Totals.RequestsUnsent
	}
	for c := range numClasses {
		if r.onsetOK[c].Load() {
			o := r.onset[c]
			o.ConnectionsBefore = r.dialsOK.Load() - r.connsAfter[c]
			res.Onset[c.String()] = o
		}
	}
	r.noteStart(res)
	if note := r.nothingCompleted(&res.Totals); note != "" {
		res.Notes = append(res.Notes, note)
	}
	if s := elapsed.Seconds(); s > 0 {
		res.Throughput.RequestsPerS = float64(res.Totals.RequestsOK) / s
		res.Throughput.ConnectionsPerS = float64(res.Totals.ConnectionsOpened) / s
	}
	res.Timeline = r.intervals.build(elapsed)
	res.Client = clientCost(r.usageStart, r.usageEnd, r.usageOK, r.end.Sub(r.start), res.Totals.RequestsStarted)
	return res, nil
}

// mergeWorkers adds up the workers' counters, errors and histograms.
func (r *Runner) mergeWorkers(res *report.Result) error {
	var errs [numClasses]int64
	for _, w := range r.workers {
		res.Totals.RequestsStarted += w.started
		res.Totals.RequestsOK += w.ok.Load()
		res.Totals.RequestsFailed += w.failed.Load()
		res.Totals.RequestsIncomplete += w.incomplete
		for code, n := range w.status {
			if res.Status == nil {
				res.Status = map[string]int64{}
			}
			res.Status[strconv.Itoa(code)] += n
		}
		res.Totals.ConnectionsOpened += w.conns.Load()
		res.Totals.BytesSent += w.bytesSent
		res.Totals.BytesReceived += w.bytesReceived
		for c, n := range w.errs {
			errs[c] += n
		}
	}
	for c, n := range errs {
		if n > 0 {
			res.Errors[ErrorClass(c).String()] = n
		}
	}
	var conn, rtt, total []*histogram
	for _, l := range r.latencies {
		conn, rtt, total = append(conn, l.connect), append(rtt, l.roundTrip), append(total, l.total)
	}
	var err error
	if res.Latency.Connect, err = report.Summarize(merged(conn)); err != nil {
		return err
	}
	if res.Latency.RoundTrip, err = report.Summarize(merged(rtt)); err != nil {
		return err
	}
	res.Latency.Total, err = report.Summarize(merged(total))
	return err
}

// nothingCompleted says why a run in which no request was answered or
// failed measured nothing; "" when some did.
func (r *Runner) nothingCompleted(t *report.Totals) string {
	switch {
	case t.RequestsOK+t.RequestsFailed > 0:
		return ""
	case t.RequestsStarted == 0:
		return "no request completed: none was started before the run stopped"
	}
	return fmt.Sprintf("no request completed: all %d started were still unanswered when the run stopped "+
		"(after a grace of %s for those in flight); the target accepted them but did not answer, "+
		"or answered slower than the run lasted", t.RequestsStarted, r.graceGiven)
}
