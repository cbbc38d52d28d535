package report

import (
	"fmt"
	"strconv"
	"strings"
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
	}
	e.Notes = c.attributedNotes()
	return e
}

// attributedNotes is each distinct note of the runs once, in order, led by
// the names of the runs that have it unless every run does: otherwise a
// reader of several runs' notes cannot tell whose each is.
func (c *Comparison) attributedNotes() []string {
	var order []string
	runs := map[string][]string{}
	for i, r := range c.Runs {
		for _, n := range r.Notes {
			if len(runs[n]) == 0 {
				order = append(order, n)
			}
			if l := runs[n]; len(l) == 0 || l[len(l)-1] != c.Names[i] {
				runs[n] = append(runs[n], c.Names[i])
			}
		}
	}
	notes := make([]string, 0, len(order))
	for _, n := range order {
		if len(c.Runs) > 1 && len(runs[n]) < len(c.Runs) {
			n = strings.Join(runs[n], ", ") + ": " + n
		}
		notes = append(notes, n)
	}
	return notes
}

// checkFigure writes a measured or predicted number as briefly as it is exact
// to four figures: 1000, 993.7, 0.25.
func checkFigure(v float64) string {
	return strconv.FormatFloat(v, 'g', 4+max(0, len(strconv.FormatFloat(v, 'f', 0, 64))-4), 64)
}
