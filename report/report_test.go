package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleResult(t *testing.T) *Result {
	t.Helper()
	h := NewHDR()
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v * 10)
	}
	total, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	return &Result{
		Tool:       Tool{Name: "portlab", Version: "test"},
		Label:      "sample",
		Target:     "127.0.0.1:7777",
		Strategy:   "new connection per request, concurrency 16",
		StartedAt:  time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		ElapsedS:   2,
		StopReason: StopDuration,
		Totals:     Totals{RequestsOK: 1000, RequestsFailed: 5, ConnectionsOpened: 1000},
		Errors:     map[string]int64{"EADDRNOTAVAIL": 5},
		Onset:      map[string]Onset{"EADDRNOTAVAIL": {AtS: 0.1, RequestsOKBefore: 990, ConnectionsBefore: 995}},
		Latency:    Latencies{Connect: total, RoundTrip: total, Total: total},
		Timeline:   []Interval{{TS: 1, RequestsOK: 1000, Errors: map[string]int64{"EADDRNOTAVAIL": 5}, TimeWait: 1000, Established: 3}},
	}
}

func TestSummarizeRoundTrip(t *testing.T) {
	r := sampleResult(t)
	s := r.Latency.Total
	if s.Count != 1000 || s.MinUS != 10 || s.MaxUS < 9990 || s.MaxUS > 10010 {
		t.Errorf("summary %+v", s)
	}
	// 3 significant digits: percentiles within 0.1%.
	if s.P50US < 4995 || s.P50US > 5005 || s.P99US < 9890 || s.P99US > 9910 {
		t.Errorf("p50 %d p99 %d, want about 5000 and 9900", s.P50US, s.P99US)
	}
	h, err := s.Decode()
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 1000 || h.ValueAtQuantile(50) != s.P50US {
		t.Errorf("decoded count %d p50 %d", h.TotalCount(), h.ValueAtQuantile(50))
	}
	if _, err := (Histogram{Count: 3}).Decode(); err == nil {
		t.Error("a histogram with values but no encoding decoded")
	}
	empty, err := Histogram{}.Decode()
	if err != nil || empty.TotalCount() != 0 {
		t.Errorf("empty histogram: %v, %v", empty, err)
	}
}

func TestWriteFileIsAtomicAndReadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if err := WriteFile(path, sampleResult(t)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the result (no temp files left)", len(entries))
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != SchemaVersion || got.Totals.RequestsOK != 1000 || got.Onset["EADDRNOTAVAIL"].ConnectionsBefore != 995 {
		t.Errorf("read back %+v", got)
	}
	// The documented keys are a contract.
	var m map[string]any
	b, _ := os.ReadFile(path)
	json.Unmarshal(b, &m)
	for _, k := range []string{"schema_version", "tool", "label", "started_at", "elapsed_s", "interrupted", "stop_reason",
		"config", "environment", "totals", "errors", "onset", "throughput", "latency", "timeline"} {
		if _, ok := m[k]; !ok {
			t.Errorf("result JSON lacks %q", k)
		}
	}
}

func TestUnmarshalRefusesOtherSchemas(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"schema_version": 2}`, "schema_version 2 is not supported"},
		{`{"label": "x"}`, "no schema_version"},
		{`not json`, "not a portlab result"},
	}
	for _, tt := range tests {
		_, err := Unmarshal([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%s) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sampleResult(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sample: new connection per request", "1000 ok, 5 failed", "EADDRNOTAVAIL",
		"first at 0.100 s, after 990 ok requests and 995 connections", "p99.9", "TIME_WAIT"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestUS(t *testing.T) {
	tests := []struct {
		us   int64
		want string
	}{{0, "-"}, {999, "999µs"}, {1500, "1.50ms"}, {2_500_000, "2.50s"}}
	for _, tt := range tests {
		if got := US(tt.us); got != tt.want {
			t.Errorf("US(%d) = %q, want %q", tt.us, got, tt.want)
		}
	}
}

// TestWriteTextTimelineGaps: a timeline longer than the table marks where
// it left rows out, and nothing is wider than TextWidth.
func TestWriteTextTimelineGaps(t *testing.T) {
	for _, tc := range []struct {
		intervals, gaps int
		note            string
	}{
		{20, 0, ""},
		{25, 5, "(… marks 5 of the 25 intervals left out"},
		{300, 19, "(… marks 280 of the 300 intervals left out"},
	} {
		r := sampleResult(t)
		r.Timeline = nil
		for i := range tc.intervals {
			r.Timeline = append(r.Timeline, Interval{TS: float64(i + 1), RequestsOK: 10})
		}
		r.Environment.Netns = "shared:net:[4026532246]"
		r.Notes = []string{strings.Repeat("a long note that wraps ", 10)}
		var b bytes.Buffer
		if err := WriteText(&b, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		gaps := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.TrimSpace(l) == "…" {
				gaps++
			}
		}
		if got := gaps; got != tc.gaps {
			t.Errorf("%d intervals: %d gap markers, want %d:\n%s", tc.intervals, got, tc.gaps, out)
		}
		if tc.note != "" && !strings.Contains(out, tc.note) {
			t.Errorf("%d intervals: no %q:\n%s", tc.intervals, tc.note, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if width(l) > TextWidth {
				t.Errorf("%d columns, want <= %d: %q", width(l), TextWidth, l)
			}
		}
	}
}
