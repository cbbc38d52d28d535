package exporter

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portlab/portlab/loadgen"
)

var (
	descLoadUp      = loadDesc("up", "1 while the run is measured (its clock started), else 0.")
	descLoadElapsed = loadDesc("elapsed_seconds", "Seconds since the run's clock started.")
	descLoadReqs    = loadDesc("requests_total", "Requests completed, by outcome (ok or failed); equal to the result's totals at the end.", "outcome")
	descLoadErrors  = loadDesc("errors_total", "Failed requests by error class (EADDRNOTAVAIL, ECONNREFUSED, timeout, ...).", "class")
	descLoadConns   = loadDesc("connections_opened_total", "Connections the client opened.")
	descLoadLatency = loadDesc("latency_seconds", "Total latency of each completed request (connect included when the request made its connection).")
	descLoadTW      = loadDesc("time_wait_sockets", "TIME_WAIT sockets in the run's network namespace at the latest sample; absent before the first.")
)

func loadDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("portlab_load_"+name, help, labels, nil)
}

// LatencyBucketsUS are the upper bounds, in microseconds, of the latency
// histogram's buckets: 100 µs to 60 s (the recording's highest value).
var LatencyBucketsUS = []int64{100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000,
	250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000}

// LoadCollector exposes a load run's figures while it goes on, read from
// a loadgen.Monitor on every scrape.
type LoadCollector struct {
	m *loadgen.Monitor
}

// NewLoadCollector returns a collector reading m.
func NewLoadCollector(m *loadgen.Monitor) *LoadCollector { return &LoadCollector{m: m} }

// Describe sends every metric's description.
func (c *LoadCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLoadUp, descLoadElapsed, descLoadReqs, descLoadErrors, descLoadConns, descLoadLatency, descLoadTW} {
		ch <- d
	}
}

// Collect reads the run so far.
func (c *LoadCollector) Collect(ch chan<- prometheus.Metric) {
	l, ok := c.m.Read()
	if !ok {
		ch <- prometheus.MustNewConstMetric(descLoadUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descLoadUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descLoadElapsed, prometheus.GaugeValue, l.Elapsed.Seconds())
	ch <- prometheus.MustNewConstMetric(descLoadReqs, prometheus.CounterValue, float64(l.RequestsOK), "ok")
	ch <- prometheus.MustNewConstMetric(descLoadReqs, prometheus.CounterValue, float64(l.RequestsFailed), "failed")
	classes := make([]string, 0, len(l.Errors))
	for class := range l.Errors {
		classes = append(classes, class)
	}
	sort.Strings(classes)
	for _, class := range classes {
		ch <- prometheus.MustNewConstMetric(descLoadErrors, prometheus.CounterValue, float64(l.Errors[class]), class)
	}
	ch <- prometheus.MustNewConstMetric(descLoadConns, prometheus.CounterValue, float64(l.ConnectionsOpened))
	ch <- latencyHistogram(l)
	if l.TimeWait >= 0 {
		ch <- prometheus.MustNewConstMetric(descLoadTW, prometheus.GaugeValue, float64(l.TimeWait))
	}
}

// latencyHistogram turns the run's HdrHistogram into Prometheus buckets.
// An HdrHistogram bucket that straddles a bound counts in the bucket above
// it, so no request is counted faster than it was; the sum takes each
// bucket's middle.
func latencyHistogram(l loadgen.Live) prometheus.Metric {
	counts := make([]uint64, len(LatencyBucketsUS))
	var sumUS float64
	for _, bar := range l.Latency.Distribution() {
		if bar.Count == 0 {
			continue
		}
		sumUS += float64(bar.Count) * float64(bar.From+bar.To) / 2
		i := sort.Search(len(LatencyBucketsUS), func(i int) bool { return LatencyBucketsUS[i] >= bar.To })
		// The recording clamps at its highest value, 60 s, whose
		// HdrHistogram bucket reaches a little past it.
		counts[min(i, len(counts)-1)] += uint64(bar.Count)
	}
	buckets := make(map[float64]uint64, len(counts))
	var cum uint64
	for i, n := range counts {
		cum += n
		buckets[float64(LatencyBucketsUS[i])/1e6] = cum
	}
	return prometheus.MustNewConstHistogram(descLoadLatency, uint64(l.Latency.TotalCount()), sumUS/1e6, buckets)
}
