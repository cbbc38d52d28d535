package report

import (
	"html"
	"strings"
	"testing"
)

// noiseRun is a run of n requests that all took latencyUS, at rps, with
// eaddr EADDRNOTAVAIL errors.
func noiseRun(t *testing.T, label string, n int, latencyUS int64, rps float64, eaddr int64) *Result {
	t.Helper()
	h := NewHDR()
	for range n {
		if err := h.RecordValue(latencyUS); err != nil {
			t.Fatal(err)
		}
	}
	total, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	return &Result{Label: label, ElapsedS: 2, StopReason: StopDuration,
		Totals:     Totals{RequestsOK: int64(n), RequestsStarted: int64(n) + eaddr, RequestsFailed: eaddr},
		Errors:     map[string]int64{"EADDRNOTAVAIL": eaddr},
		Onset:      map[string]Onset{},
		Throughput: Throughput{RequestsPerS: rps},
		Latency:    Latencies{Total: total}}
}

// TestHTMLNoiseNotColoured: against a baseline of 100 errors, 1000/s and
// a 509 µs p50 over 2000 requests, changes within the noise rule are
// "noise" and uncoloured; changes beyond it keep their verdict.
func TestHTMLNoiseNotColoured(t *testing.T) {
	base := noiseRun(t, "base", 2000, 509, 1000, 100)
	tests := []struct {
		name string
		run  *Result
		path string
		want string // the word shown
	}{
		{"110 errors against 100: within 2·√210", noiseRun(t, "a", 2000, 509, 1000, 110), "errors.EADDRNOTAVAIL", noiseWord},
		{"300 errors against 100", noiseRun(t, "b", 2000, 509, 1000, 300), "errors.EADDRNOTAVAIL", Worse},
		{"0 errors against 100", noiseRun(t, "c", 2000, 509, 1000, 0), "errors.EADDRNOTAVAIL", Better},
		{"1050/s against 1000/s", noiseRun(t, "d", 2000, 509, 1050, 100), "throughput.requests_per_s", noiseWord},
		{"1300/s against 1000/s", noiseRun(t, "e", 2000, 509, 1300, 100), "throughput.requests_per_s", Better},
		{"p50 769 µs against 509 µs", noiseRun(t, "f", 2000, 769, 1000, 100), "latency.total.p50_us", noiseWord},
		{"p50 1100 µs against 509 µs", noiseRun(t, "g", 2000, 1100, 1000, 100), "latency.total.p50_us", Worse},
		// 4 requests beyond p99 of 400: the tail band is ×5.
		{"p99 of 400 requests ×3", noiseRun(t, "h", 400, 1527, 1000, 100), "latency.total.p99_us", noiseWord},
		{"p99 of 400 requests ×6", noiseRun(t, "i", 400, 3100, 1000, 100), "latency.total.p99_us", Worse},
		{"same p50", noiseRun(t, "j", 2000, 509, 1000, 100), "latency.total.p50_us", Same},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare([]*Result{base, tt.run}, 0)
			if err != nil {
				t.Fatal(err)
			}
			for k, row := range c.htmlTable() {
				if c.Rows[k].Path != tt.path {
					continue
				}
				cell := row.Cells[1]
				if cell.Word != tt.want {
					t.Errorf("%s: %s %s, want %q", tt.path, cell.Change, cell.Word, tt.want)
				}
				if coloured := cell.Class != "neutral"; coloured != (tt.want == Better || tt.want == Worse) {
					t.Errorf("%s: %q is class %q", tt.path, cell.Word, cell.Class)
				}
				return
			}
			t.Fatalf("no row %s", tt.path)
		})
	}
}

// TestHTMLSaysNoiseRule: the page says how it tells noise from a change.
func TestHTMLSaysNoiseRule(t *testing.T) {
	c, err := Compare([]*Result{noiseRun(t, "a", 10, 500, 10, 0), noiseRun(t, "b", 10, 700, 10, 0)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := c.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(b.String())
	for _, want := range []string{"within ±10%", "within ×2", "2·√(a+b)", "+40% noise"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
