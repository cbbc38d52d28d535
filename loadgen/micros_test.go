package loadgen

import (
	"testing"
	"time"

	"github.com/portlab/portlab/report"
)

// TestMicrosKeepsEverySample: a latency beyond the histograms' range is
// recorded at their highest value instead of being dropped.
func TestMicrosKeepsEverySample(t *testing.T) {
	h := report.NewHDR()
	for _, d := range []time.Duration{-time.Millisecond, 0, 5 * time.Microsecond, time.Minute, 2 * time.Minute, 24 * time.Hour} {
		if err := h.RecordValue(micros(d)); err != nil {
			t.Errorf("RecordValue(micros(%s)): %v", d, err)
		}
	}
	if got := h.TotalCount(); got != 6 {
		t.Errorf("histogram holds %d samples, want 6", got)
	}
	if got, want := micros(2*time.Minute), int64(report.MaxLatencyUS); got != want {
		t.Errorf("micros(2m) = %d, want %d", got, want)
	}
}
