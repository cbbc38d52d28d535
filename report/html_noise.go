package report

import (
	"math"
	"strings"
)

// Run-to-run noise: how far two runs of the same load on the same machine
// differ by chance. A change within it is shown but not coloured better or
// worse: on a shared machine a loopback run's p50 moves by half between two
// runs of the same scenario, and a tail percentile estimated from a handful
// of requests moves by more.
const (
	// noiseRate is the relative change in a rate (requests/s) that is
	// within noise.
	noiseRate = 0.10
	// noiseLatency is the factor within which latencies are noise; a
	// percentile that fewer than tailSamples requests of either run lie
	// beyond (and the max, one request) is noise within noiseTail.
	noiseLatency = 2.0
	noiseTail    = 5.0
	tailSamples  = 10
	// noiseSigmas: two counts of chance events (errors, failed requests)
	// differ by about sqrt(a+b) by chance; within noiseSigmas of that is
	// noise.
	noiseSigmas = 2.0
)

// noiseRule says the rule in the page.
const noiseRule = "Changes within run-to-run noise are shown in grey as “noise”, not as better or worse: " +
	"a rate within ±10%; latency within ×2 (×5 for a percentile fewer than 10 requests of either run lie beyond, and for max); " +
	"a count of errors or failed requests within 2·√(a+b) of the baseline's a (the spread of counts of chance events)."

// noiseWord is the word for a change within run-to-run noise.
const noiseWord = "noise"

// withinNoise reports whether cell i of row differs from the baseline's
// by no more than run-to-run noise. Only rows that judge better or worse
// are judged; the others' words (more, longer, earlier) stay.
func (c *Comparison) withinNoise(row Row, i int) bool {
	base, cell := row.Cells[c.Baseline], row.Cells[i]
	if !base.Present || !cell.Present || i == c.Baseline || !rowJudges(row) {
		return false
	}
	a, b := base.Value, cell.Value
	switch row.unit {
	case unitRate:
		return math.Abs(b-a) <= noiseRate*math.Abs(a)
	case unitCount:
		return math.Abs(b-a) <= noiseSigmas*math.Sqrt(a+b)
	case unitMicros:
		factor := noiseLatency
		if c.fewBeyond(row.Path, c.Baseline) || c.fewBeyond(row.Path, i) {
			factor = noiseTail
		}
		lo, hi := math.Min(a, b), math.Max(a, b)
		return lo > 0 && hi < factor*lo || hi == 0
	}
	return false
}

// rowJudges reports whether row calls changes better or worse.
func rowJudges(row Row) bool {
	for _, w := range []string{row.Up, row.Down} {
		if w == Better || w == Worse {
			return true
		}
	}
	return false
}

// percentileBeyond is the share of requests beyond each latency figure.
var percentileBeyond = map[string]float64{"p50_us": 0.5, "p90_us": 0.1, "p99_us": 0.01, "p999_us": 0.001, "max_us": 0}

// fewBeyond reports whether fewer than tailSamples of run i's requests lie
// beyond the latency percentile at path ("latency.total.p99_us").
func (c *Comparison) fewBeyond(path string, i int) bool {
	rest, ok := strings.CutPrefix(path, "latency.")
	hist, key, _ := strings.Cut(rest, ".")
	share, known := percentileBeyond[key]
	if !ok || !known {
		return false
	}
	n, _, _ := Lookup(c.Runs[i], "latency."+hist+".count")
	return n*share < tailSamples
}

// htmlCell is one figure of the HTML comparison with its change and how
// the change is coloured.
type htmlCell struct {
	Text, Change, Word, Class string
}

// htmlRow is one row of the HTML comparison.
type htmlRow struct {
	Name  string
	Cells []htmlCell
}

// htmlTable is the comparison's rows with changes within noise marked.
func (c *Comparison) htmlTable() []htmlRow {
	var rows []htmlRow
	for _, row := range c.Rows {
		hr := htmlRow{Name: row.Name}
		for i, cell := range row.Cells {
			hc := htmlCell{Text: cell.Text, Change: cell.Change, Word: cell.Verdict, Class: "neutral"}
			switch {
			case c.withinNoise(row, i) && cell.Verdict != Same:
				hc.Word = noiseWord
			case cell.Verdict == Better:
				hc.Class = "better"
			case cell.Verdict == Worse:
				hc.Class = "worse"
			}
			hr.Cells = append(hr.Cells, hc)
		}
		rows = append(rows, hr)
	}
	return rows
}
