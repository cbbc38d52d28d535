package exporter

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// TestLatencyBuckets: the Prometheus buckets count every recorded request
// once, at or below the bound a request's latency fits under.
func TestLatencyBuckets(t *testing.T) {
	h := report.NewHDR()
	for v, n := range map[int64]int64{50: 3, 100: 1, 300: 2, 2_000_000: 4, 60_000_000: 1} {
		if err := h.RecordValues(v, n); err != nil {
			t.Fatal(err)
		}
	}
	var m dto.Metric
	if err := latencyHistogram(loadgen.Live{Latency: h}).Write(&m); err != nil {
		t.Fatal(err)
	}
	want := map[float64]uint64{0.0001: 4, 0.00025: 4, 0.0005: 6, 1: 6, 2.5: 10, 30: 10, 60: 11}
	got := map[float64]uint64{}
	for _, b := range m.GetHistogram().GetBucket() {
		got[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	for le, n := range want {
		if got[le] != n {
			t.Errorf("bucket le=%v: %d, want %d (all %v)", le, got[le], n, got)
		}
	}
	if c := m.GetHistogram().GetSampleCount(); c != 11 {
		t.Errorf("count %d, want 11", c)
	}
}
