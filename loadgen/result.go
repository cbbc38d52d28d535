package loadgen

import (
	"time"

	"github.com/portlab/portlab/report"
)

// result merges what the workers measured into the run's result.
func (r *Runner) result(env report.Environment, elapsed time.Duration) (*report.Result, error) {
	res := &report.Result{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "portlab", Version: r.opts.version},
		Label:         r.cfg.Label,
		Target:        r.targetName(),
		Strategy:      r.cfg.Strategy(),
		StartedAt:     r.start.UTC(),
		ElapsedS:      elapsed.Seconds(),
		Config:        &report.RunConfig{Load: r.cfg},
		Environment:   env,
		Errors:        map[string]int64{},
		Onset:         map[string]report.Onset{},
	}
	if err := r.mergeWorkers(res); err != nil {
		return nil, err
	}
	for c := range numClasses {
		if r.onsetOK[c].Load() {
			res.Onset[c.String()] = r.onset[c]
		}
	}
	if s := elapsed.Seconds(); s > 0 {
		res.Throughput.RequestsPerS = float64(res.Totals.RequestsOK) / s
		res.Throughput.ConnectionsPerS = float64(res.Totals.ConnectionsOpened) / s
	}
	res.Timeline = r.intervals.build(elapsed)
	return res, nil
}

// mergeWorkers adds up the workers' counters, errors and histograms.
func (r *Runner) mergeWorkers(res *report.Result) error {
	conn, rtt, total := report.NewHDR(), report.NewHDR(), report.NewHDR()
	var errs [numClasses]int64
	for _, w := range r.workers {
		conn.Merge(w.connect)
		rtt.Merge(w.roundTrip)
		total.Merge(w.total)
		res.Totals.RequestsOK += w.ok.Load()
		res.Totals.RequestsFailed += w.failed.Load()
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
	var err error
	if res.Latency.Connect, err = report.Summarize(conn); err != nil {
		return err
	}
	if res.Latency.RoundTrip, err = report.Summarize(rtt); err != nil {
		return err
	}
	res.Latency.Total, err = report.Summarize(total)
	return err
}
