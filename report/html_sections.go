package report

import (
	"fmt"
	"strconv"
)

// explained is what the results say about themselves beyond their
// figures: the kernel's prediction for each run beside its measurement,
// the scenario's expectations with their verdicts, the engine's notes, and
// the caller's diagnosis. Every format renders this one value.
type explained struct {
	Predictions  []htmlPrediction
	Expectations []htmlExpectation
	Passed       int
	Notes        []string
	Diagnosis    *Diagnosis
}

// htmlExplained is explained as the HTML page holds it.
type htmlExplained = explained

// htmlPrediction is one run's prediction: why, and each check of it.
type htmlPrediction struct {
	Run    int
	Why    string
	Checks []htmlCheck
}

type htmlCheck struct {
	Name, Predicted, Measured, Ratio string
}

type htmlExpectation struct {
	Run                   int
	Pass                  bool
	Path, Want, Got, Why  string
	Verdict, VerdictClass string
}

func (c *Comparison) explainHTML() htmlExplained { return c.explain() }

// explain gathers the sections from the runs' results; a result without
// predictions, expectations or notes adds none.
func (c *Comparison) explain() explained {
	e := explained{Diagnosis: c.Diagnosis}
	seen := map[string]bool{}
	for i, r := range c.Runs {
		if p := r.Prediction; p != nil || len(r.Checks) > 0 {
			hp := htmlPrediction{Run: i}
			if p != nil {
				hp.Why = p.Why
			}
			for _, ch := range r.Checks {
				hc := htmlCheck{Name: ch.Name, Predicted: checkFigure(ch.Predicted), Measured: checkFigure(ch.Measured), Ratio: "-"}
				if ch.Predicted != 0 {
					hc.Ratio = fmt.Sprintf("%.2f", ch.Ratio)
				}
				hp.Checks = append(hp.Checks, hc)
			}
			e.Predictions = append(e.Predictions, hp)
		}
		for _, x := range r.Expectations {
			he := htmlExpectation{Run: i, Pass: x.Pass, Path: x.Path, Want: x.Want, Got: checkFigure(x.Value),
				Why: x.Why, Verdict: "FAIL", VerdictClass: "worse"}
			if x.Pass {
				he.Verdict, he.VerdictClass = "PASS", "better"
				e.Passed++
			}
			e.Expectations = append(e.Expectations, he)
		}
		for _, n := range r.Notes {
			if !seen[n] {
				seen[n] = true
				e.Notes = append(e.Notes, n)
			}
		}
	}
	return e
}

// checkFigure writes a measured or predicted number as briefly as it is exact
// to four figures: 1000, 993.7, 0.25.
func checkFigure(v float64) string {
	return strconv.FormatFloat(v, 'g', 4+max(0, len(strconv.FormatFloat(v, 'f', 0, 64))-4), 64)
}
