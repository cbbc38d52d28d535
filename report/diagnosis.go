package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Diagnosis is what the runs mean in plain words: the cause of each
// exhaustion with its fix, then what each run measured. report cannot
// tell causes itself (the rules read scenarios and kernel facts); the
// caller fills Comparison.Diagnosis and every format shows it.
type Diagnosis struct {
	// Findings are the causes found, in the order of the runs; none when
	// no run ran out of anything.
	Findings []Finding `json:"findings"`
	// Runs say what each run measured, with its lesson when a scenario
	// gave one.
	Runs []RunEffect `json:"runs,omitempty"`
}

// Finding is one cause: what failed in which run, why, and the fix.
type Finding struct {
	Run string `json:"run"`
	// Cause is what failed and when, one sentence.
	Cause string `json:"cause"`
	// Why explains the cause, a sentence or two each.
	Why []string `json:"why,omitempty"`
	// Fix is what would have kept the run clear, one remedy each, with no
	// closing full stop: the first is "the fix", the others alternatives.
	Fix []string `json:"fix,omitempty"`
}

// RunEffect is one run's lesson and measured effect.
type RunEffect struct {
	Run      string `json:"run"`
	Lesson   string `json:"lesson,omitempty"`
	Measured string `json:"measured"`
}

// NoExhaustion is what the diagnosis says when nothing ran out.
const NoExhaustion = "No run exhausted its ports."

// Lines is the diagnosis as text lines, unwrapped: each finding ("Cause
// (RUN): ..." with its why and fix indented), then each run measured.
func (d *Diagnosis) Lines() []string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, fmt.Sprintf("Cause (%s): %s", f.Run, f.Cause))
		for _, w := range f.Why {
			out = append(out, "  "+w)
		}
		for i, fix := range f.Fix {
			word := "  or: "
			if i == 0 {
				word = "  Fix: "
			}
			out = append(out, word+fix+".")
		}
	}
	if len(d.Findings) == 0 {
		out = append(out, NoExhaustion)
	}
	if len(d.Runs) > 0 {
		out = append(out, "", "Each run, measured:")
	}
	for _, r := range d.Runs {
		head := "- " + r.Run + ":"
		if r.Lesson != "" {
			head += " " + strings.TrimSuffix(r.Lesson, ".") + "."
		}
		out = append(out, head, "    "+r.Measured)
	}
	return out
}

// WriteExplanation writes, as plain text within cols columns (<= 0: lines
// left whole), the sections
// every format carries beyond the figures: each prediction beside its
// measurement, the expectations with their verdicts, and the diagnosis.
// WriteText, WriteMarkdown, WriteJSON and WriteHTML show the same, from
// the same explain.
func (c *Comparison) WriteExplanation(w io.Writer, cols int) error {
	var b strings.Builder
	e := c.explain()
	labelW := 14
	for _, n := range c.Names {
		labelW = max(labelW, utf8.RuneCountInString(n))
	}
	if len(e.Predictions) > 0 {
		b.WriteString("\nPrediction vs measured\n")
		for _, p := range e.Predictions {
			for _, ch := range c.Runs[p.Run].Checks {
				fmt.Fprintf(&b, "  %-*s %s\n", labelW, c.Names[p.Run], DescribeCheck(c.Runs[p.Run], ch))
			}
		}
	}
	if len(e.Expectations) > 0 {
		fmt.Fprintf(&b, "\nExpectations: %d of %d pass\n", e.Passed, len(e.Expectations))
		for _, x := range e.Expectations {
			detail := x.Got
			if x.Why != "" {
				detail = x.Why
			}
			fmt.Fprintf(&b, "  %s  %-*s %s %s (got %s)\n", x.Verdict, labelW, c.Names[x.Run], x.Path, x.Want, detail)
		}
	}
	if d := c.Diagnosis; d != nil {
		b.WriteString("\nDiagnosis\n")
		for _, line := range d.Lines() {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	_, err := io.WriteString(w, Printable(Fit(strings.ReplaceAll(b.String(), "  \n", "\n"), cols)))
	return err
}

// DescribeCheck says one check of r's prediction in words: "onset after
// 993 connections, predicted 1000 (usable ports x port spaces): ratio 0.99".
func DescribeCheck(r *Result, c Check) string {
	pool := "usable ports x port spaces"
	if p := r.Prediction; p != nil && p.OnsetClass == "timeout" {
		pool = "SNAT ports x gateway addresses x destinations"
	}
	switch c.Name {
	case "onset_after_connections":
		return fmt.Sprintf("onset after %.0f connections, predicted %.0f (%s): ratio %.2f", c.Measured, c.Predicted, pool, c.Ratio)
	case "gateway_flows":
		return fmt.Sprintf("at most %.0f flows through the gateway, predicted %.0f (%s): ratio %.2f", c.Measured, c.Predicted, pool, c.Ratio)
	case "sustained_connections_per_s":
		return fmt.Sprintf("steady churn %.0f connections/s, predicted %.0f (ports / tcp_tw_reuse_delay): ratio %.2f", c.Measured, c.Predicted, c.Ratio)
	case "eaddrnotavail":
		if c.Measured == 0 {
			return "no EADDRNOTAVAIL, as predicted"
		}
		return fmt.Sprintf("%.0f EADDRNOTAVAIL where none was predicted", c.Measured)
	}
	return fmt.Sprintf("%s: predicted %g, measured %g", c.Name, c.Predicted, c.Measured)
}
