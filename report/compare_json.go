package report

import (
	"encoding/json"
	"io"
	"time"
)

// CompareSuffix ends the name of a comparison's JSON file (portlab run
// --out writes NAME-report.compare.json beside the results): a reader of
// results knows it for portlab's own, not a stray file.
const CompareSuffix = ".compare.json"

// comparisonJSON is the JSON form of a Comparison.
type comparisonJSON struct {
	Baseline string    `json:"baseline"`
	Runs     []runJSON `json:"runs"`
	Rows     []Row     `json:"rows"`
	// Warnings are the comparison's, such as runs that stopped
	// differently; absent when none.
	Warnings []string `json:"warnings,omitempty"`
	// Diagnosis, Expectations, Predictions and Notes are the sections
	// every format carries; each is absent when no run has one.
	Diagnosis    *Diagnosis        `json:"diagnosis,omitempty"`
	Expectations []expectationJSON `json:"expectations,omitempty"`
	Predictions  []predictionJSON  `json:"predictions,omitempty"`
	Notes        []string          `json:"notes,omitempty"`
}

// expectationJSON is one run's expectation with its verdict.
type expectationJSON struct {
	Run string `json:"run"`
	Expectation
}

// predictionJSON is one run's prediction and the checks of it.
type predictionJSON struct {
	Run    string  `json:"run"`
	Why    string  `json:"why,omitempty"`
	Checks []Check `json:"checks"`
}

// runJSON is one run as the comparison lists it, with how it ended.
type runJSON struct {
	Label       string            `json:"label"`
	Strategy    string            `json:"strategy"`
	Target      string            `json:"target"`
	StartedAt   time.Time         `json:"started_at"`
	ElapsedS    float64           `json:"elapsed_s"`
	WindDownS   float64           `json:"wind_down_s,omitempty"`
	StopReason  StopReason        `json:"stop_reason"`
	Interrupted bool              `json:"interrupted"`
	Sysctls     map[string]string `json:"sysctls"`
}

// WriteJSON writes the comparison as JSON: the baseline's name, the runs
// with how each ended, the rows of figures, each cell with its value, text,
// change and verdict, for scripts that gate on a comparison, and the
// diagnosis, expectations, predictions and notes.
func (c *Comparison) WriteJSON(w io.Writer) error {
	e := c.explain()
	doc := comparisonJSON{Baseline: c.Names[c.Baseline], Rows: c.Rows, Warnings: c.Warnings,
		Diagnosis: e.Diagnosis, Notes: e.Notes}
	for _, p := range e.Predictions {
		doc.Predictions = append(doc.Predictions, predictionJSON{Run: c.Names[p.Run], Why: p.Why, Checks: c.Runs[p.Run].Checks})
	}
	for i, r := range c.Runs {
		for _, x := range r.Expectations {
			doc.Expectations = append(doc.Expectations, expectationJSON{Run: c.Names[i], Expectation: x})
		}
	}
	for i, r := range c.Runs {
		sysctls := r.Environment.Sysctls
		if sysctls == nil {
			sysctls = map[string]string{}
		}
		doc.Runs = append(doc.Runs, runJSON{Label: c.Names[i], Strategy: r.Strategy, Target: r.Target,
			StartedAt: r.StartedAt, ElapsedS: r.ElapsedS, WindDownS: r.WindDownS, StopReason: r.StopReason,
			Interrupted: r.Interrupted, Sysctls: sysctls})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
