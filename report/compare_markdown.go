package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the comparison as GitHub-flavoured Markdown tables,
// to paste into a pull request: the runs, then every figure with its change
// against the baseline.
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
