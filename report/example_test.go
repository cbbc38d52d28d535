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
	c, err := report.Compare([]*report.Result{result("new-conn", 996, 4877, 900), result("pool", 5000, 0, 150)}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Rows = c.Rows[:3] // requests/s, connections/s, errors
	c.WriteMarkdown(os.Stdout)
	// Output:
	// ### portlab report: 2 runs against `new-conn`
	//
	// | run | strategy | sysctls |
	// |---|---|---|
	// | **new-conn** (baseline) | new connection per request, concurrency 4 | host |
	// | pool | new connection per request, concurrency 4 | host |
	//
	// | | new-conn (baseline) | pool |
	// |---|--:|--:|
	// | requests/s | 996 | 5000 (+402% better ✅) |
	// | connections/s | 996 | 5000 (+402% more) |
	// | EADDRNOTAVAIL errors | 4877 | 0 (-100% better ✅) |
	//
	// Latency and errors: lower is better. requests/s: higher is better. connections/s (more/fewer) and onset (later/earlier) are neither better nor worse in themselves.
}
