package report

import (
	"bytes"
	"encoding/json"
	"html"
	"strings"
	"testing"
)

// explainedLab is two runs, one exhausted, with the sections beyond the
// figures: a prediction, expectations, a note and a diagnosis.
func explainedLab(t *testing.T) *Comparison {
	a := synthetic(t, "new-conn", 499, 985, 7123)
	a.StopReason, a.ElapsedS = StopOnset, 0.537
	a.Prediction = &Prediction{Why: "each closed connection holds its port in TIME_WAIT for 60 s"}
	a.Checks = []Check{{Name: "onset_after_connections", Predicted: 1000, Measured: 993, Ratio: 0.993}}
	a.Expectations = []Expectation{{Path: "errors.EADDRNOTAVAIL", Want: ">0", Value: 7123, Pass: true}}
	b := synthetic(t, "pool", 81567, 150, 0)
	b.Expectations = []Expectation{{Path: "totals.connections_opened", Want: "<=16", Value: 17}}
	c, err := Compare([]*Result{a, b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Diagnosis = &Diagnosis{
		Findings: []Finding{{Run: "new-conn", Cause: "connect() failed with EADDRNOTAVAIL after 993 connections:",
			Why: []string{"the ports were held in TIME_WAIT by the client."}, Fix: []string{"reuse connections", "let the server close first"}}},
		Runs: []RunEffect{{Run: "new-conn", Lesson: "a new connection per request", Measured: "7123 EADDRNOTAVAIL from 0.071 s on"},
			{Run: "pool", Measured: "no errors"}},
	}
	return c
}

// TestEveryFormatExplains: text, Markdown, JSON and HTML carry the same
// sections: how each run ended, the diagnosis with its fix, the
// expectations and each prediction beside its measurement.
func TestEveryFormatExplains(t *testing.T) {
	common := []string{"new-conn", "connect() failed with EADDRNOTAVAIL after 993 connections",
		"the ports were held in TIME_WAIT by the client.", "reuse connections", "let the server close first",
		"a new connection per request", "7123 EADDRNOTAVAIL from 0.071 s on", "totals.connections_opened", "<=16"}
	for _, tc := range []struct {
		format string
		write  func(*Comparison, *bytes.Buffer) error
		want   []string
	}{
		{"text", func(c *Comparison, b *bytes.Buffer) error { return c.WriteText(b) }, []string{
			"\nDiagnosis\n  Cause (new-conn): ", "  Fix: reuse connections.\n", "  or: let the server close first.",
			"\nExpectations: 1 of 2 pass\n", "  FAIL  pool ", "\nPrediction vs measured\n", "stopped by onset after 0.537 s",
			"onset after 993 connections, predicted 1000 (usable ports x port spaces): ratio"}},
		{"markdown", func(c *Comparison, b *bytes.Buffer) error { return c.WriteMarkdown(b) }, []string{
			"stopped by onset after 0.537 s", "#### Diagnosis", "**Cause (new-conn):** connect()", "- **Fix:** reuse connections.", "#### Expectations: 1 of 2 pass",
			"| ❌ FAIL | pool | totals.connections_opened | <=16 | 17 |", "#### Prediction vs measured",
			"onset after 993 connections, predicted 1000", "each closed connection holds its port"}},
		{"json", func(c *Comparison, b *bytes.Buffer) error { return c.WriteJSON(b) }, []string{
			`"diagnosis": {`, `"fix": [`, `"stop_reason": "onset"`, `"elapsed_s": 0.537`, `"expectations": [`,
			`"predictions": [`, `"name": "onset_after_connections"`}},
		{"html", func(c *Comparison, b *bytes.Buffer) error { return c.WriteHTML(b) }, []string{
			"stopped by onset after 0.537 s", "<h2>Diagnosis</h2>", "<strong>Cause (new-conn):</strong> connect()", "<strong>Fix:</strong> reuse connections.",
			"Expectations: 1 of 2 pass", "Prediction vs measured"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(explainedLab(t), &b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if tc.format == "html" {
				out = html.UnescapeString(out)
			}
			if tc.format == "json" {
				out = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(out)
			}
			if tc.format == "markdown" {
				out = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(out)
			}
			for _, want := range append(common, tc.want...) {
				if !strings.Contains(out, want) {
					t.Errorf("%s lacks %q", tc.format, want)
				}
			}
			if tc.format == "json" {
				var doc comparisonJSON
				if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				if d := doc.Diagnosis; d == nil || len(d.Findings) != 1 || len(d.Findings[0].Fix) != 2 || len(doc.Expectations) != 2 {
					t.Errorf("JSON diagnosis %+v, %d expectations; want 1 finding with 2 fixes, 2 expectations", d, len(doc.Expectations))
				}
			}
			if t.Failed() {
				t.Logf("%s:\n%s", tc.format, out)
			}
		})
	}
}

// TestNoDiagnosisNoSection: a comparison nobody diagnosed says nothing
// about causes, rather than "no run exhausted its ports".
func TestNoDiagnosisNoSection(t *testing.T) {
	c := explainedLab(t)
	c.Diagnosis = nil
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text": func(b *bytes.Buffer) error { return c.WriteText(b) }, "markdown": func(b *bytes.Buffer) error { return c.WriteMarkdown(b) },
		"html": func(b *bytes.Buffer) error { return c.WriteHTML(b) }, "json": func(b *bytes.Buffer) error { return c.WriteJSON(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		if s := strings.ToLower(b.String()); strings.Contains(s, "diagnosis") || strings.Contains(s, "exhausted its ports") {
			t.Errorf("%s has a diagnosis though none was given", name)
		}
	}
}

// TestDescribeCheck: a check reads in words, with the pool its prediction
// counted: the client's ports, or a NAT gateway's SNAT pool when the
// predicted onset is a timeout.
func TestDescribeCheck(t *testing.T) {
	nat := &Result{Prediction: &Prediction{OnsetClass: "timeout"}}
	local := &Result{Prediction: &Prediction{OnsetClass: "EADDRNOTAVAIL"}}
	for _, tc := range []struct {
		r    *Result
		c    Check
		want string
	}{
		{local, Check{Name: "onset_after_connections", Predicted: 1000, Measured: 993, Ratio: 0.993},
			"onset after 993 connections, predicted 1000 (usable ports x port spaces): ratio 0.99"},
		{nat, Check{Name: "onset_after_connections", Predicted: 100, Measured: 100, Ratio: 1},
			"onset after 100 connections, predicted 100 (SNAT ports x gateway addresses x destinations): ratio 1.00"},
		{nat, Check{Name: "gateway_flows", Predicted: 100, Measured: 100, Ratio: 1},
			"at most 100 flows through the gateway, predicted 100 (SNAT ports x gateway addresses x destinations): ratio 1.00"},
		{&Result{}, Check{Name: "eaddrnotavail"}, "no EADDRNOTAVAIL, as predicted"},
		{&Result{}, Check{Name: "new_check", Predicted: 2, Measured: 3}, "new_check: predicted 2, measured 3"},
	} {
		if got := DescribeCheck(tc.r, tc.c); got != tc.want {
			t.Errorf("DescribeCheck(%s) = %q, want %q", tc.c.Name, got, tc.want)
		}
	}
}
