package report_test

import (
	"fmt"
	"os"
	"time"

	"github.com/portlab/portlab/report"
)

// result is a small run with a real histogram.
func result(label string, ok, eaddr int64, latencyUS int64) *report.Result {
	h := report.NewHDR()
	for i := int64(0); i < ok; i++ {
		h.RecordValue(latencyUS + i%10)
	}
	total, _ := report.Summarize(h)
	return &report.Result{
		Label:      label,
		Strategy:   "new connection per request, concurrency 4",
		StartedAt:  time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		ElapsedS:   1,
		Totals:     report.Totals{RequestsOK: ok, ConnectionsOpened: ok},
		Errors:     map[string]int64{"EADDRNOTAVAIL": eaddr},
		Throughput: report.Throughput{RequestsPerS: float64(ok), ConnectionsPerS: float64(ok)},
		Latency:    report.Latencies{Total: total},
	}
}

func ExampleFailIf() {
	var conds []report.Condition
	for _, expr := range []string{"errors.EADDRNOTAVAIL>0", "latency.total.p99_us > 5000"} {
		c, err := report.ParseCondition(expr)
		if err != nil {
			fmt.Println(err)
			return
		}
		conds = append(conds, c)
	}
	for _, msg := range report.FailIf(conds, result("new-conn", 996, 4877, 900), result("pool", 5000, 0, 150)) {
		fmt.Println(msg)
	}
	// Output:
	// run "new-conn" failed: errors.EADDRNOTAVAIL>0 held (value 4877)
}

func ExampleParseCondition() {
	_, err := report.ParseCondition("latency.total.p98_us>5000")
	fmt.Println(err)
	// Output:
	// "latency.total.p98_us>5000": latency.total has no "p98_us" (it has count, min_us, mean_us, p50_us, p90_us, p99_us, p999_us, max_us)
}

func ExampleMerge() {
	a, b := result("client-1", 1000, 0, 900), result("client-2", 3000, 0, 100)
	b.StartedAt = a.StartedAt.Add(time.Second)
	m, err := report.Merge(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d requests in %.0f s, %.0f/s, total p50 %dµs, max %dµs\n", m.Label, m.Totals.RequestsOK,
		m.ElapsedS, m.Throughput.RequestsPerS, m.Latency.Total.P50US, m.Latency.Total.MaxUS)
	// Output:
	// client-1+client-2: 4000 requests in 2 s, 2000/s, total p50 106µs, max 909µs
}

func ExampleComparison_WriteMarkdown() {
	// The baseline stopped at its first EADDRNOTAVAIL (--stop-on-onset);
	// the other ran its full 3 s.
	base, pool := result("new-conn", 996, 1, 900), result("pool", 15000, 0, 150)
	base.StopReason, base.ElapsedS = report.StopOnset, 0.11
	base.Totals.RequestsStarted, base.Totals.RequestsFailed, base.Totals.RequestsIncomplete = 1000, 1, 3
	pool.StopReason, pool.ElapsedS, pool.WindDownS = report.StopDuration, 3, 0.02
	pool.Totals.RequestsStarted, pool.Totals.RequestsIncomplete = 15004, 4
	base.Throughput.RequestsPerS, pool.Throughput.RequestsPerS = 996/0.11, 15000/3.0
	base.Throughput.ConnectionsPerS, pool.Throughput.ConnectionsPerS = 996/0.11, 15000/3.0
	c, err := report.Compare([]*report.Result{base, pool}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Rows = c.Rows[:9] // requests/s to requests incomplete, EADDRNOTAVAIL errors
	c.WriteMarkdown(os.Stdout)
	// Output:
	// ### portlab report: 2 runs against new-conn
	//
	// | run | strategy | sysctls | ended |
	// |---|---|---|---|
	// | **new-conn** (baseline) | new connection per request, concurrency 4 | host | stopped by onset after 0.110 s |
	// | pool | new connection per request, concurrency 4 | host | stopped by duration after 3.000 s (+0.020 s wind-down) |
	//
	// > **Warning:** the runs stopped differently, so their counts and rates cover different windows; stopped by onset: new-conn after 0.110 s; stopped by duration: pool after 3.000 s
	//
	// | | new-conn (baseline) | pool |
	// |---|--:|--:|
	// | requests/s | 9055 | 5000 (-45% worse ❌) |
	// | connections/s | 9055 | 5000 (-45% fewer) |
	// | elapsed | 0.110s | 3.000s (×27.3 longer) |
	// | wind-down | 0.000s | 0.020s (+0.020s longer) |
	// | requests started | 1000 | 15004 (×15.0 more) |
	// | requests ok | 996 | 15000 (×15.1 more) |
	// | requests failed | 1 | 0 (-100% better ✅) |
	// | requests incomplete | 3 | 4 (+33% worse ❌) |
	// | EADDRNOTAVAIL errors | 1 | 0 (-100% better ✅) |
	//
	// Latency, errors, failed, incomplete and unsent: lower is better. requests/s: higher is better. connections/s and other counts (more/fewer), elapsed (longer/shorter) and onset (later/earlier) are neither better nor worse in themselves.
}
