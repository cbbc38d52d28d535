package report

import (
	"io"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are result files, valid and not, that seed the decoders' fuzz
// targets.
func fuzzSeeds(t testing.TB) [][]byte {
	good, err := Marshal(sampleForFuzz(t))
	if err != nil {
		t.Fatal(err)
	}
	f := hostileTable(t).Fragments
	okHead, gwOK, partOK := f["okHead"], f["gwOK"], f["partOK"]
	return [][]byte{
		good,
		[]byte(`{"schema_version":1}`),
		[]byte(`{"schema_version":1,"started_at":"0001-01-01T00:00:00Z","elapsed_s":1}`),
		[]byte(`{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":1,"config":{"interval_ns":1}}`),
		[]byte(`{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":1,"timeline":[{"t_s":-5}]}`),
		[]byte(`{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":1,"timeline":[{"t_s":1e12}]}`),
		[]byte(`{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":1,"totals":{"requests_ok":-1}}`),
		[]byte(`{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":1,"config":{"merged":[{"interval_ns":1000000}],"interval_ns":1000000}}`),
		[]byte(okHead + `,` + gwOK + `,"prediction":{"snat_pool_flows":100},"timeline":[{"t_s":1,"gateway":{"entries":100,"states":{"ESTABLISHED":100}}}]}`),
		[]byte(okHead + `,"gateway":{"snat_addresses":["198.19.0.101","198.19.0.102"],"port_min":1,"port_max":65535,"clients":256,"end":{"states":{"STATE_200":1}}}}`),
		[]byte(okHead + `,"gateway":{"snat_addresses":["::1"],"port_min":0,"port_max":0,"end":{}},"prediction":{"snat_pool_flows":1}}`),
		[]byte(okHead + `,"gateway":{"port_min":65535,"port_max":1,"peak_established":-1}}`),
		[]byte(okHead + `,"target":"` + strings.Repeat(",", 1000) + `",` + gwOK + `}`),
		[]byte(okHead + `,"shard":{"index":1,"count":2}}`),
		[]byte(okHead + `,"shard":{"index":0,"count":0}}`),
		[]byte(okHead + `,"parts":[` + partOK + `,` + strings.Replace(partOK, `"index":0`, `"index":1`, 1) + `]}`),
		[]byte(okHead + `,"errors":{"timeout":1},"parts":[` + partOK[:len(partOK)-1] + `,"errors":{"timeout":1},"onset":{"timeout":{"at_s":1.5}}}]}`),
		[]byte(okHead + `,"parts":[{"started_at":"2026-11-23T12:00:01Z","elapsed_s":1,"parts":[{}]}]}`),
	}
}

// sampleForFuzz is a small valid result with histograms and a timeline.
func sampleForFuzz(t testing.TB) *Result {
	r := &Result{StartedAt: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), ElapsedS: 2, WindDownS: 0.1}
	h := NewHDR()
	for _, v := range []int64{100, 200, 300} {
		h.RecordValue(v)
	}
	s, err := Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	r.Latency = Latencies{Connect: s, RoundTrip: s, Total: s}
	r.Totals = Totals{RequestsStarted: 3, RequestsOK: 3, ConnectionsOpened: 3}
	r.Errors = map[string]int64{"EADDRNOTAVAIL": 0}
	r.Timeline = []Interval{{TS: 1, RequestsOK: 2, TimeWait: -1, Established: -1}, {TS: 2, RequestsOK: 1, TimeWait: 3, Established: 0}}
	return r
}

// FuzzUnmarshal: decoding any bytes returns a validated result or an
// *InputError, never a panic; what it accepts marshals and reads back.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("error %T %v is not an *InputError", err, err)
			}
			return
		}
		out, err := Marshal(r)
		if err != nil {
			t.Fatalf("Marshal of an accepted result: %v", err)
		}
		if _, err := Unmarshal(out); err != nil {
			t.Fatalf("an accepted result does not read back: %v", err)
		}
	})
}

// FuzzMerge: merging two decoded results never panics, and a merge's
// result is itself a valid result.
func FuzzMerge(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, a := range seeds {
		f.Add(a, seeds[0])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ra, err := Unmarshal(a)
		if err != nil {
			return
		}
		rb, err := Unmarshal(b)
		if err != nil {
			return
		}
		m, err := Merge(ra, rb)
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("merge error %T %v is not an *InputError", err, err)
			}
			return
		}
		if len(m.Timeline) > MaxMergedIntervals {
			t.Fatalf("merged timeline has %d intervals", len(m.Timeline))
		}
		out, err := Marshal(m)
		if err != nil {
			t.Fatalf("Marshal of a merge: %v", err)
		}
		if _, err := Unmarshal(out); err != nil {
			t.Fatalf("a merge does not read back: %v", err)
		}
	})
}

// FuzzHistogramDecode: any hdr string decodes or fails, never panics.
func FuzzHistogramDecode(f *testing.F) {
	s := sampleForFuzz(f).Latency.Total
	f.Add(s.HDR, s.Count)
	f.Add("", int64(0))
	f.Add("HISTFAA=", int64(1))
	f.Fuzz(func(t *testing.T, hdr string, count int64) {
		h := Histogram{HDR: hdr, Count: count}
		if err := h.validate(); err != nil {
			return
		}
		if _, err := h.Decode(); err != nil {
			t.Fatalf("a validated histogram does not decode: %v", err)
		}
	})
}

// FuzzParseCondition: any expression parses or fails, never panics; what
// parses prints as an expression that parses to the same condition.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"errors.EADDRNOTAVAIL>0", "latency.total.p99_us>=5000", "totals.requests_ok<100",
		"onset.EADDRNOTAVAIL.at_s<=2", "status.503!=0", "elapsed_s==1.5", "totals.requests_ok>0.5*prediction.onset_after_connections",
		">NaN", "errors.", "", "latency.total.p98_us>5"} {
		f.Add(s)
	}
	r := sampleForFuzz(f)
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCondition(expr)
		if err != nil {
			return
		}
		c2, err := ParseCondition(c.String())
		if err != nil {
			t.Fatalf("%q parses, but its String %q does not: %v", expr, c.String(), err)
		}
		if c.String() != c2.String() {
			t.Fatalf("%q prints as %q, which prints as %q", expr, c.String(), c2.String())
		}
		c.Eval(r)
	})
}

// FuzzRender: every result that reads renders, alone and beside the
// sample, as text, Markdown, HTML and JSON without a panic: the readers'
// bounds are what the reporters multiply and index with.
func FuzzRender(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(renderAll)
}

// renderAll renders the result b holds, if it reads, every way.
func renderAll(t *testing.T, b []byte) {
	r, err := Unmarshal(b)
	if err != nil {
		return
	}
	if err := WriteText(io.Discard, r); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	c, err := Compare([]*Result{sampleForFuzz(t), r}, 0)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	for _, write := range []func(io.Writer) error{c.WriteText, c.WriteMarkdown, c.WriteHTML, c.WriteJSON} {
		if err := write(io.Discard); err != nil {
			t.Fatalf("render: %v", err)
		}
	}
	if r.Gateway != nil {
		r.PoolText()
		r.PoolFlows()
	}
}
