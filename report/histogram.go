package report

import (
	"fmt"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds shared by every portlab histogram, in microseconds, so
// histograms from different runs always merge exactly.
const (
	MinLatencyUS       = 1
	MaxLatencyUS       = 60_000_000 // 60 s
	SignificantFigures = 3
)

// NewHDR returns an empty histogram with portlab's bounds.
func NewHDR() *hdrhistogram.Histogram {
	return hdrhistogram.New(MinLatencyUS, MaxLatencyUS, SignificantFigures)
}

// Histogram is a latency distribution as it appears in the result JSON:
// summary figures for readers plus the full histogram (HDR is the base64 of
// HdrHistogram's compressed V2 encoding) for exact merging.
type Histogram struct {
	Count  int64   `json:"count"`
	MinUS  int64   `json:"min_us"`
	MeanUS float64 `json:"mean_us"`
	P50US  int64   `json:"p50_us"`
	P90US  int64   `json:"p90_us"`
	P99US  int64   `json:"p99_us"`
	P999US int64   `json:"p999_us"`
	MaxUS  int64   `json:"max_us"`
	HDR    string  `json:"hdr"`
}

// Summarize encodes h into its JSON form.
func Summarize(h *hdrhistogram.Histogram) (Histogram, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return Histogram{}, fmt.Errorf("encode histogram: %w", err)
	}
	s := Histogram{Count: h.TotalCount(), HDR: string(enc)}
	if s.Count == 0 {
		return s, nil
	}
	s.MinUS = h.Min()
	s.MeanUS = h.Mean()
	s.P50US = h.ValueAtQuantile(50)
	s.P90US = h.ValueAtQuantile(90)
	s.P99US = h.ValueAtQuantile(99)
	s.P999US = h.ValueAtQuantile(99.9)
	s.MaxUS = h.Max()
	return s, nil
}

// Decode returns the full histogram carried in s. An empty HDR decodes to an
// empty histogram, so hand-written or older results still merge.
func (s Histogram) Decode() (*hdrhistogram.Histogram, error) {
	if s.HDR == "" {
		if s.Count != 0 {
			return nil, fmt.Errorf("histogram has %d values but no hdr encoding", s.Count)
		}
		return NewHDR(), nil
	}
	h, err := hdrhistogram.Decode([]byte(s.HDR))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}
