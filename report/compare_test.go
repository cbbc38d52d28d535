package report

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portlab/portlab/internal/testsupport"
)

// synthetic builds a result with real histograms: latencies spread from
// 0.2 to 2 times typicalUS, every fiftieth ten times slower.
func synthetic(t *testing.T, label string, reqPerS float64, typicalUS int64, eaddr int64) *Result {
	t.Helper()
	connect, total := NewHDR(), NewHDR()
	for i := int64(1); i <= 2000; i++ {
		v := typicalUS/5 + typicalUS*i*9/10000
		if i%50 == 0 {
			v *= 10
		}
		connect.RecordValue(v / 3)
		total.RecordValue(v)
	}
	r := &Result{
		Label:       label,
		Target:      "127.0.0.1:7777",
		Strategy:    "new connection per request, concurrency 16",
		StartedAt:   time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		ElapsedS:    2,
		StopReason:  StopDuration,
		Environment: Environment{Netns: "sandbox", Sysctls: map[string]string{"net.ipv4.ip_local_port_range": "40000 40999", "net.ipv4.tcp_tw_reuse": "0"}},
		Totals: Totals{RequestsStarted: int64(reqPerS*2) + eaddr, RequestsOK: int64(reqPerS * 2), RequestsFailed: eaddr,
			ConnectionsOpened: int64(reqPerS * 2)},
		Errors:     map[string]int64{},
		Onset:      map[string]Onset{},
		Throughput: Throughput{RequestsPerS: reqPerS, ConnectionsPerS: reqPerS},
	}
	if eaddr > 0 {
		r.Errors["EADDRNOTAVAIL"] = eaddr
		r.Onset["EADDRNOTAVAIL"] = Onset{AtS: 0.071, RequestsOKBefore: 986, ConnectionsBefore: 996}
	}
	var err error
	if r.Latency.Connect, err = Summarize(connect); err != nil {
		t.Fatal(err)
	}
	if r.Latency.Total, err = Summarize(total); err != nil {
		t.Fatal(err)
	}
	return r
}

// lab is a small lab: a run that exhausts its ports and three cures.
func lab(t *testing.T) []*Result {
	pool := synthetic(t, "pool", 81567, 150, 0)
	pool.Strategy = "pool of 16, concurrency 16"
	pool.Throughput.ConnectionsPerS = 8
	reuse := synthetic(t, "tw-reuse", 999, 1000, 14679)
	reuse.Environment.Sysctls = map[string]string{"net.ipv4.ip_local_port_range": "40000 40999", "net.ipv4.tcp_tw_reuse": "1"}
	reuse.Onset["EADDRNOTAVAIL"] = Onset{AtS: 0.066}
	// An HTTP run on the host, open loop, that could not keep its rate
	// and left requests unanswered; it stopped at its onset.
	host := synthetic(t, "", 26171, 550, 0)
	host.Environment = Environment{Netns: "host"}
	host.Errors["ECONNRESET"], host.Errors["http_5xx"] = 3, 7
	host.Status = map[string]int64{"200": 52342, "503": 7}
	host.Totals.RequestsFailed, host.Totals.RequestsIncomplete = 10, 16
	host.Totals.RequestsStarted = host.Totals.RequestsOK + 10 + 16
	host.Totals.RequestsScheduled, host.Totals.RequestsUnsent = host.Totals.RequestsStarted+120, 120
	host.StopReason, host.ElapsedS, host.WindDownS = StopOnset, 0.11, 0.25
	return []*Result{synthetic(t, "new-conn", 499, 985, 7123), pool, reuse, host}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testsupport.Golden(t, filepath.Join("testdata", name), got)
}

func TestComparisonGolden(t *testing.T) {
	c, err := Compare(lab(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name  string
		write func(*Comparison, *bytes.Buffer) error
	}{
		{"compare.txt.golden", func(c *Comparison, b *bytes.Buffer) error { return c.WriteText(b) }},
		{"compare.md.golden", func(c *Comparison, b *bytes.Buffer) error { return c.WriteMarkdown(b) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.write(c, &b); err != nil {
				t.Fatal(err)
			}
			golden(t, f.name, b.Bytes())
		})
	}
}

func TestTextFitsTerminal(t *testing.T) {
	var rs []*Result
	for _, r := range append(lab(t), lab(t)...) {
		r.Label += "-with-a-longer-label"
		r.Strategy += ", SO_LINGER 0, bound to 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 in turn"
		rs = append(rs, r)
	}
	c, text := rendered(t, rs, 2, (*Comparison).WriteText)
	for i, line := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(line); n > TextWidth {
			t.Errorf("line %d is %d columns wide, want <= %d:\n%s", i+1, n, TextWidth, line)
		}
	}
	// Every run is listed whole; the table splits into blocks.
	if blocks := strings.Count(text, "\n  requests/s "); blocks < 3 {
		t.Errorf("8 long-named runs fit in %d blocks; want them split:\n%s", blocks, text)
	}
	for _, n := range c.Names {
		if !strings.Contains(text, "\n  "+n+"  ") {
			t.Errorf("text does not list run %q", n)
		}
	}
}

// rendered is the comparison of rs against run baseline, and what write
// (one of its Write methods) makes of it; the test fails on an error.
func rendered(t *testing.T, rs []*Result, baseline int, write func(*Comparison, io.Writer) error) (*Comparison, string) {
	t.Helper()
	c, err := Compare(rs, baseline)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := write(c, &b); err != nil {
		t.Fatal(err)
	}
	return c, b.String()
}

func TestCompareVerdicts(t *testing.T) {
	c, err := Compare(lab(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	row := func(path string) Row {
		for _, r := range c.Rows {
			if r.Path == path {
				return r
			}
		}
		t.Fatalf("no row %s in %v", path, c.Rows)
		return Row{}
	}
	tests := []struct {
		path          string
		run           int
		change, verdi string
	}{
		{"throughput.requests_per_s", 1, "×163", Better},
		{"throughput.requests_per_s", 2, "+100%", Better},
		{"throughput.connections_per_s", 1, "-98%", "fewer"},
		{"errors.EADDRNOTAVAIL", 1, "-100%", Better},
		{"errors.EADDRNOTAVAIL", 2, "+106%", Worse},
		{"errors.ECONNRESET", 3, "+3", Worse}, // from a zero baseline: the difference
		{"errors.ECONNRESET", 1, "", Same},
		{"onset.EADDRNOTAVAIL.at_s", 2, "-7.0%", "earlier"},
		{"onset.EADDRNOTAVAIL.at_s", 1, "", ""}, // no onset: nothing to compare
		{"latency.total.p50_us", 1, "-85%", Better},
		{"latency.total.p99_us", 2, "+1.6%", Worse},
		{"latency.connect.max_us", 0, "", ""}, // the baseline itself
	}
	for _, tt := range tests {
		cell := row(tt.path).Cells[tt.run]
		if cell.Change != tt.change || cell.Verdict != tt.verdi {
			t.Errorf("%s of %s: got %q %q, want %q %q", tt.path, c.Names[tt.run], cell.Change, cell.Verdict, tt.change, tt.verdi)
		}
	}
	if got, want := c.Names[3], "run 4"; got != want {
		t.Errorf("unlabelled run named %q, want %q", got, want)
	}
	if _, err := Compare(lab(t), 4); err == nil {
		t.Error("a baseline out of range was accepted")
	}
}

func TestComparisonJSON(t *testing.T) {
	_, out := rendered(t, lab(t), 1, (*Comparison).WriteJSON)
	var doc struct {
		Baseline string
		Runs     []struct{ Label string }
		Rows     []struct {
			Path  string
			Cells []struct {
				Value   float64
				Present bool
				Verdict string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Baseline != "pool" || len(doc.Runs) != 4 || doc.Rows[0].Path != "throughput.requests_per_s" {
		t.Errorf("JSON comparison: %s", out)
	}
	if got := doc.Rows[0].Cells[0]; got.Value != 499 || !got.Present || got.Verdict != Worse {
		t.Errorf("new-conn requests/s against pool: %+v, want 499, worse", got)
	}
}

func TestHTMLEscapesAndStandsAlone(t *testing.T) {
	rs := lab(t)
	rs[1].Label = `<script>alert("x")</script>`
	rs[2].Strategy = `a & b "quoted"`
	_, page := rendered(t, rs, 0, (*Comparison).WriteHTML)
	for _, bad := range []string{"<script", "<link", "src=", "url(", "ZgotmplZ"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "a &amp; b &#34;quoted&#34;",
		"99.999%", "EADDRNOTAVAIL onset 0.071 s", `<path d="M`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Two spectra, a timeline and a port-usage panel per run, and latency
	// over time.
	if got, want := strings.Count(page, "<svg"), 3+2*len(rs); got != want {
		t.Errorf("page has %d charts, want %d", got, want)
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		p    float64
		want string
	}{
		{-100, "-100%"}, {-99.6, "-99.6%"}, {-99.97, "-99.97%"}, {-98.4, "-98%"}, {56.2, "+56%"},
		{3.44, "+3.4%"}, {-1.8, "-1.8%"}, {0.04, "+0.04%"}, {999, "+999%"},
	}
	for _, tt := range tests {
		if got := percent(tt.p); got != tt.want {
			t.Errorf("percent(%g) = %q, want %q", tt.p, got, tt.want)
		}
	}
}
