package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Comparison is several runs side by side: each figure of each run beside
// its change against a baseline run. Reporters (WriteText, WriteMarkdown,
// WriteJSON, WriteHTML) all read this one value.
type Comparison struct {
	// Runs are the compared results, in the order given.
	Runs []*Result
	// Names are the runs' labels, made unique ("run 2" where a label is
	// empty).
	Names []string
	// Baseline is the index in Runs of the run the others are measured
	// against.
	Baseline int
	// Rows are the compared figures.
	Rows []Row
	// Warnings say what makes the runs' figures unlike, such as runs that
	// stopped for different reasons: a run that stopped at its onset after
	// 0.1 s and one that ran its 3 s count over different windows.
	Warnings []string
	// Diagnosis explains the runs in plain words: the cause of any
	// exhaustion and its fix. Compare leaves it nil (the rules live with
	// the scenarios, in labreport); the caller sets it, and every writer
	// shows it.
	Diagnosis *Diagnosis
}

// Row is one figure across the runs.
type Row struct {
	// Path is the figure's path in a result, as Lookup and conditions read
	// it: "throughput.requests_per_s", "latency.total.p99_us".
	Path string `json:"path"`
	// Name is how reports label the row: "requests/s", "total p99".
	Name string `json:"name"`
	// Up and Down are the verdicts for a rise and a fall against the
	// baseline: "worse" and "better" for latency and errors, "better" and
	// "worse" for throughput, "more" and "fewer" for connections/s, which
	// is neither good nor bad in itself.
	Up   string `json:"up"`
	Down string `json:"down"`
	// Cells has one entry per run, in the order of Comparison.Runs.
	Cells []Cell `json:"cells"`

	unit unit
}

// Cell is one run's figure and its change against the baseline.
type Cell struct {
	// Value is the figure; Present is false where the run has none (no
	// latency samples, no onset).
	Value   float64 `json:"value"`
	Present bool    `json:"present"`
	// Text is Value formatted for people, "-" when absent.
	Text string `json:"text"`
	// Change is the change against the baseline, "+56%", "×163" or, from
	// a zero baseline, the difference "+5"; empty for the baseline itself,
	// when the figures are equal, or when either is absent.
	Change string `json:"change,omitempty"`
	// Verdict is the row's Up or Down word, or "same"; empty where there
	// is nothing to compare.
	Verdict string `json:"verdict,omitempty"`
}

// Verdicts a cell can carry besides a row's own Up/Down words.
const (
	Better = "better"
	Worse  = "worse"
	Same   = "same"
)

// unit says how a row's values read.
type unit int

const (
	unitRate unit = iota
	unitCount
	unitSeconds
	unitMicros
)

// Compare lines the runs up against rs[baseline].
func Compare(rs []*Result, baseline int) (*Comparison, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("compare: no results")
	}
	if baseline < 0 || baseline >= len(rs) {
		return nil, fmt.Errorf("compare: baseline %d is not one of the %d runs", baseline, len(rs))
	}
	c := &Comparison{Runs: rs, Names: runNames(rs), Baseline: baseline}
	c.Warnings = endingWarnings(rs, c.Names)
	c.add("throughput.requests_per_s", "requests/s", Better, Worse, unitRate)
	c.add("throughput.connections_per_s", "connections/s", "more", "fewer", unitRate)
	c.addAccounting()
	classes := errorClasses(rs)
	for _, class := range classes {
		c.add("errors."+class, class+" errors", Worse, Better, unitCount)
	}
	for _, code := range statusCodes(rs) {
		// An error status is worse; others are neither good nor bad.
		up, down := "more", "fewer"
		if code >= "400" {
			up, down = Worse, Better
		}
		c.add("status."+code, "HTTP "+code, up, down, unitCount)
	}
	for _, class := range classes {
		if slices.ContainsFunc(rs, func(r *Result) bool { _, ok := r.Onset[class]; return ok }) {
			c.add("onset."+class+".at_s", class+" onset", "later", "earlier", unitSeconds)
		}
	}
	c.addGateway()
	for _, h := range []string{"connect", "total"} {
		for _, p := range []struct{ key, name string }{
			{"p50_us", "p50"}, {"p90_us", "p90"}, {"p99_us", "p99"}, {"p999_us", "p99.9"}, {"max_us", "max"},
		} {
			c.add("latency."+h+"."+p.key, h+" "+p.name, Worse, Better, unitMicros)
		}
	}
	return c, nil
}

// add appends the row for path.
func (c *Comparison) add(path, name, up, down string, u unit) {
	c.addWhere(path, name, up, down, u, nil)
}

// addWhere appends the row for path, the figure absent from runs that has
// (when not nil) says do not hold it.
func (c *Comparison) addWhere(path, name, up, down string, u unit, has func(*Result) bool) {
	row := Row{Path: path, Name: name, Up: up, Down: down, unit: u}
	for _, r := range c.Runs {
		// Only an error class with a dot in its name makes a bad path:
		// such a figure shows as absent.
		v, ok, err := Lookup(r, path)
		ok = ok && err == nil && (has == nil || has(r))
		if h, isLatency := strings.CutPrefix(path, "latency."); isLatency {
			hist, _, _ := strings.Cut(h, ".")
			n, _, _ := Lookup(r, "latency."+hist+".count")
			ok = ok && n > 0
		}
		cell := Cell{Value: v, Present: ok, Text: "-"}
		if ok {
			cell.Text = u.format(v)
		}
		row.Cells = append(row.Cells, cell)
	}
	base := row.Cells[c.Baseline]
	for i := range row.Cells {
		if i != c.Baseline {
			row.Cells[i].Change, row.Cells[i].Verdict = row.change(base, row.Cells[i])
		}
	}
	c.Rows = append(c.Rows, row)
}

// change describes cell against base.
func (row Row) change(base, cell Cell) (change, verdict string) {
	b, v := base.Value, cell.Value
	switch {
	case !base.Present || !cell.Present:
		return "", ""
	case v == b:
		return "", Same
	case v > b:
		verdict = row.Up
	default:
		verdict = row.Down
	}
	ratio := v / b
	switch {
	case b == 0:
		change = "+" + row.unit.format(v)
	case ratio >= 100:
		change = fmt.Sprintf("×%.0f", ratio)
	case ratio >= 10:
		change = fmt.Sprintf("×%.1f", ratio)
	default:
		change = percent((ratio - 1) * 100)
	}
	return change, verdict
}

// percent writes a change with the fewest decimals that neither hide it
// (+0.0%) nor overstate a fall (-99.6% is not -100%, which means none left).
func percent(p float64) string {
	decimals := 2
	switch a := math.Abs(p); {
	case p == -100:
		decimals = 0
	case p < -99.95:
		decimals = 2
	case p <= -99.5:
		decimals = 1
	case a >= 10:
		decimals = 0
	case a >= 1:
		decimals = 1
	}
	return fmt.Sprintf("%+.*f%%", decimals, p)
}

func (u unit) format(v float64) string {
	switch u {
	case unitRate:
		if v < 10 && v != math.Trunc(v) {
			return fmt.Sprintf("%.1f", v)
		}
		return fmt.Sprintf("%.0f", v)
	case unitSeconds:
		return fmt.Sprintf("%.3fs", v)
	case unitMicros:
		if v == 0 {
			return "0µs"
		}
		return US(int64(v))
	}
	return fmt.Sprintf("%.0f", v)
}

// addAccounting adds the measured window and where every request went:
// started = ok + failed + incomplete, and in an open loop scheduled =
// started + unsent.
func (c *Comparison) addAccounting() {
	c.add("elapsed_s", "elapsed", "longer", "shorter", unitSeconds)
	if slices.ContainsFunc(c.Runs, func(r *Result) bool { return r.WindDownS != 0 }) {
		c.add("wind_down_s", "wind-down", "longer", "shorter", unitSeconds)
	}
	c.addWhere("totals.requests_started", "requests started", "more", "fewer", unitCount, countsStarts)
	c.add("totals.requests_ok", "requests ok", "more", "fewer", unitCount)
	c.add("totals.requests_failed", "requests failed", Worse, Better, unitCount)
	c.add("totals.requests_incomplete", "requests incomplete", Worse, Better, unitCount)
	if slices.ContainsFunc(c.Runs, openLoop) {
		c.add("totals.requests_scheduled", "requests scheduled", "more", "fewer", unitCount)
		c.add("totals.requests_unsent", "requests unsent", Worse, Better, unitCount)
	}
}

// countsStarts reports whether r counted its started requests: a result
// of a portlab that did not has none, which reads 0 against thousands ok.
func countsStarts(r *Result) bool {
	t := r.Totals
	return t.RequestsStarted > 0 || t.RequestsOK+t.RequestsFailed+t.RequestsIncomplete == 0
}

// openLoop reports whether r sent on a schedule (--rate), where requests
// can be due and unsent.
func openLoop(r *Result) bool {
	return r.Totals.RequestsScheduled > 0 || r.Totals.RequestsUnsent > 0 || r.Config.paced()
}

// paced reports whether c, or any input of a merge, set a rate.
func (c *RunConfig) paced() bool {
	return c != nil && (c.Rate > 0 || slices.ContainsFunc(c.Merged, (*RunConfig).paced))
}

// statusCodes lists the HTTP status codes any run saw, in order.
func statusCodes(rs []*Result) []string {
	var codes []string
	for _, r := range rs {
		for code := range r.Status {
			if !slices.Contains(codes, code) {
				codes = append(codes, code)
			}
		}
	}
	slices.Sort(codes)
	return codes
}

// errorClasses lists the classes any run saw, the most frequent overall
// first.
func errorClasses(rs []*Result) []string {
	all := map[string]int64{}
	for _, r := range rs {
		for class, n := range r.Errors {
			all[class] += n
		}
		for class := range r.Onset {
			all[class] += 0
		}
	}
	return SortedClasses(all)
}

// runNames labels the runs for column heads: their labels, "run N" where
// one is empty, and "label (N)" where labels repeat.
func runNames(rs []*Result) []string {
	names := make([]string, len(rs))
	seen := map[string]int{}
	for i, r := range rs {
		names[i] = r.Label
		if names[i] == "" {
			names[i] = fmt.Sprintf("run %d", i+1)
		}
		seen[names[i]]++
	}
	for i, n := range names {
		if seen[n] > 1 {
			names[i] = fmt.Sprintf("%s (%d)", n, i+1)
		}
	}
	return names
}

// Sysctls returns the sysctls run i's sandbox applied, as "name=value"
// sorted by name; none for a run in the host's namespace.
func (c *Comparison) Sysctls(i int) []string {
	s := c.Runs[i].Environment.Sysctls
	out := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		out = append(out, k+"="+s[k])
	}
	return out
}

// addGateway adds the NAT gateway's state at the end of the runs that
// crossed one (topology nat): its conntrack entries and the counters that
// rise when it cannot translate a new flow.
func (c *Comparison) addGateway() {
	hasGateway := func(r *Result) bool { return r.Gateway != nil }
	if !slices.ContainsFunc(c.Runs, hasGateway) {
		return
	}
	c.addWhere("gateway.end.entries", "gateway conntrack", "more", "fewer", unitCount, hasGateway)
	c.addWhere("gateway.end.insert_failed", "gateway insert_failed", Worse, Better, unitCount, hasGateway)
	c.addWhere("gateway.end.drop", "gateway drop", Worse, Better, unitCount, hasGateway)
}
