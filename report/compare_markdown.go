package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the comparison as GitHub-flavoured Markdown, to
// paste into a pull request: the runs and how each ended, the diagnosis,
// the expectations, each prediction beside its measurement, the NAT
// gateway's state, then every figure with its change against the
// baseline, and the notes.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	if len(c.Runs) == 1 {
		fmt.Fprintf(&b, "### portlab report: %s\n\n", mdEscape(c.Names[0]))
	} else {
		fmt.Fprintf(&b, "### portlab report: %d runs against %s\n\n", len(c.Runs), mdEscape(c.Names[c.Baseline]))
	}
	b.WriteString("| run | strategy | sysctls | ended |\n|---|---|---|---|\n")
	for i, r := range c.Runs {
		name := mdEscape(c.Names[i])
		if i == c.Baseline {
			name = "**" + name + "** (baseline)"
		}
		sysctls := "host"
		if s := c.Sysctls(i); len(s) > 0 {
			for j := range s {
				s[j] = "`" + mdEscape(s[j]) + "`"
			}
			sysctls = strings.Join(s, "<br>")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, mdEscape(r.Strategy), sysctls, mdEscape(Ending(r)))
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "\n> **Warning:** %s\n", mdEscape(w))
	}
	e := c.explain()
	c.markdownDiagnosis(&b, e.Diagnosis)
	c.markdownExpectations(&b, e)
	c.markdownPredictions(&b, e)
	c.markdownGateway(&b)

	b.WriteString("\n| |")
	for i, n := range c.Names {
		if i == c.Baseline {
			n += " (baseline)"
		}
		fmt.Fprintf(&b, " %s |", mdEscape(n))
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", len(c.Names)) + "\n")
	for _, row := range c.Rows {
		fmt.Fprintf(&b, "| %s |", row.Name)
		for _, cell := range row.Cells {
			fmt.Fprintf(&b, " %s |", mdEscape(cell.Text+markdownChange(cell)))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nLatency, errors, failed, incomplete and unsent: lower is better. requests/s: higher is better. " +
		"connections/s and other counts (more/fewer), elapsed (longer/shorter) and onset (later/earlier) " +
		"are neither better nor worse in themselves.\n")
	if len(e.Notes) > 0 {
		b.WriteString("\n#### Notes\n\n")
		for _, n := range e.Notes {
			fmt.Fprintf(&b, "- %s\n", mdEscape(n))
		}
	}
	_, err := io.WriteString(w, Printable(b.String()))
	return err
}

func markdownChange(cell Cell) string {
	mark := ""
	switch cell.Verdict {
	case "":
		return ""
	case Better:
		mark = " ✅"
	case Worse:
		mark = " ❌"
	}
	if cell.Change == "" {
		return " (" + cell.Verdict + ")"
	}
	return " (" + cell.Change + " " + cell.Verdict + mark + ")"
}

// mdEscape keeps a value from breaking a table cell or the page: a label
// from a result file is text, never Markdown or HTML.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "\\`").Replace(s)
}

// markdownDiagnosis writes each cause with its explanation and fix, then
// what each run measured.
func (c *Comparison) markdownDiagnosis(b *strings.Builder, d *Diagnosis) {
	if d == nil {
		return
	}
	b.WriteString("\n#### Diagnosis\n\n")
	if len(d.Findings) == 0 {
		b.WriteString(NoExhaustion + "\n")
	}
	for _, f := range d.Findings {
		fmt.Fprintf(b, "**Cause (%s):** %s", mdEscape(f.Run), mdEscape(f.Cause))
		for _, w := range f.Why {
			b.WriteString(" " + mdEscape(w))
		}
		b.WriteString("\n\n")
		for i, fix := range f.Fix {
			word := "or"
			if i == 0 {
				word = "**Fix:**"
			}
			fmt.Fprintf(b, "- %s %s.\n", word, mdEscape(fix))
		}
		if len(f.Fix) > 0 {
			b.WriteString("\n")
		}
	}
	if len(d.Runs) > 0 {
		b.WriteString("Each run, measured:\n\n")
	}
	for _, r := range d.Runs {
		lesson := ""
		if r.Lesson != "" {
			lesson = " " + mdEscape(strings.TrimSuffix(r.Lesson, ".")) + "."
		}
		fmt.Fprintf(b, "- **%s**:%s %s\n", mdEscape(r.Run), lesson, mdEscape(r.Measured))
	}
}

func (c *Comparison) markdownExpectations(b *strings.Builder, e explained) {
	if len(e.Expectations) == 0 {
		return
	}
	fmt.Fprintf(b, "\n#### Expectations: %d of %d pass\n\n| | run | figure | expected | got |\n|---|---|---|---|---|\n", e.Passed, len(e.Expectations))
	for _, x := range e.Expectations {
		got := x.Got
		if x.Why != "" {
			got = x.Why
		}
		mark := "✅ PASS"
		if !x.Pass {
			mark = "❌ FAIL"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", mark, mdEscape(c.Names[x.Run]), mdEscape(x.Path), mdEscape(x.Want), mdEscape(got))
	}
}

func (c *Comparison) markdownPredictions(b *strings.Builder, e explained) {
	if len(e.Predictions) == 0 {
		return
	}
	b.WriteString("\n#### Prediction vs measured\n\n")
	for _, p := range e.Predictions {
		fmt.Fprintf(b, "- **%s**", mdEscape(c.Names[p.Run]))
		if p.Why != "" {
			fmt.Fprintf(b, " (%s)", mdEscape(p.Why))
		}
		b.WriteString("\n")
		for _, ch := range c.Runs[p.Run].Checks {
			fmt.Fprintf(b, "  - %s\n", mdEscape(DescribeCheck(c.Runs[p.Run], ch)))
		}
	}
}

// markdownGateway writes the NAT gateway of each run that crossed one: its
// SNAT pool, its conntrack table at its fullest and at the end, and the
// SYNs it dropped.
func (c *Comparison) markdownGateway(b *strings.Builder) {
	head := false
	for i, r := range c.Runs {
		peak, ok := r.GatewayPeak()
		if !ok {
			continue
		}
		if !head {
			b.WriteString("\n#### NAT gateway\n\n| run | SNAT pool | clients | conntrack peak | at the end | insert_failed | drop | early_drop |\n" +
				"|---|---|--:|--:|---|--:|--:|--:|\n")
			head = true
		}
		g := r.Gateway
		end := fmt.Sprint(g.End.Entries)
		if s := g.End.StatesText(); s != "" {
			end += ": " + s
		}
		limit := ""
		if g.ConntrackMax > 0 {
			limit = fmt.Sprintf(" of %d", g.ConntrackMax)
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d%s | %s | %d | %d | %d |\n", mdEscape(c.Names[i]), mdEscape(r.PoolText()), g.Clients,
			peak.Entries, limit, mdEscape(end), g.End.InsertFailed, g.End.Drop, g.End.EarlyDrop)
	}
}
