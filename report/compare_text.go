package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// TextWidth is the terminal width text output fits in by default.
const TextWidth = 100

// WriteText writes the comparison for a terminal: the runs and how each
// ended, then the figures with runs side by side, as many columns as fit
// in TextWidth (the baseline first in every block), then the predictions,
// expectations, diagnosis and notes.
func (c *Comparison) WriteText(w io.Writer) error {
	var b strings.Builder
	base := c.Names[c.Baseline]
	if len(c.Runs) == 1 {
		fmt.Fprintf(&b, "portlab report: 1 run\n\n")
	} else {
		fmt.Fprintf(&b, "portlab report: %d runs, changes against %s (the baseline)\n\n", len(c.Runs), base)
	}
	nameW := 0
	for _, n := range c.Names {
		nameW = max(nameW, width(n))
	}
	for i, r := range c.Runs {
		indent := "  " + pad(c.Names[i], nameW) + "  "
		writeWrapped(&b, indent, r.Strategy)
		if s := c.Sysctls(i); len(s) > 0 {
			writeWrapped(&b, strings.Repeat(" ", width(indent)), strings.Join(s, ", "))
		}
		writeWrapped(&b, strings.Repeat(" ", width(indent)), Ending(r))
	}
	for _, w := range c.Warnings {
		b.WriteString("\n")
		writeWrapped(&b, "  warning: ", w)
	}

	rowW := 0
	for _, row := range c.Rows {
		rowW = max(rowW, width(row.Name))
	}
	rowW += 2
	cols := make([]textColumn, len(c.Runs))
	for i := range c.Runs {
		cols[i] = c.column(i)
	}
	others := make([]int, 0, len(c.Runs))
	for i := range c.Runs {
		if i != c.Baseline {
			others = append(others, i)
		}
	}
	// Every block repeats the baseline; a lone run still gets one block.
	for first := true; first || len(others) > 0; first = false {
		block := []int{c.Baseline}
		used := rowW + cols[c.Baseline].width
		for len(others) > 0 && (len(block) == 1 || used+3+cols[others[0]].width <= TextWidth) {
			used += 3 + cols[others[0]].width
			block = append(block, others[0])
			others = others[1:]
		}
		b.WriteString("\n")
		c.writeBlock(&b, rowW, cols, block)
	}
	b.WriteString("\nChanges: latency, errors, failed, incomplete and unsent requests lower is better,\n" +
		"requests/s higher is better; connections/s and other counts (more/fewer), elapsed\n" +
		"(longer/shorter) and onset (later/earlier) are neither better nor worse in themselves.\n")
	if err := c.WriteExplanation(&b, TextWidth); err != nil {
		return err
	}
	// One blank line before the notes, none between them: a lab of many
	// runs has a note or two each.
	for i, n := range c.explain().Notes {
		if i == 0 {
			b.WriteString("\n")
		}
		writeWrapped(&b, "  note: ", n)
	}
	_, err := io.WriteString(w, Printable(b.String()))
	return err
}

// textColumn is one run's column: its figures right-aligned, then the
// change right-aligned, then the verdict.
type textColumn struct {
	valueW, changeW, verdictW, width int
}

func (c *Comparison) column(i int) textColumn {
	var col textColumn
	for _, row := range c.Rows {
		cell := row.Cells[i]
		col.valueW = max(col.valueW, width(cell.Text))
		col.changeW = max(col.changeW, width(cell.Change))
		col.verdictW = max(col.verdictW, width(cell.Verdict))
	}
	col.width = col.valueW
	if col.verdictW > 0 {
		col.width += 2 + col.changeW + 1 + col.verdictW
	}
	// A long name widens its column only so far; the list of runs above
	// the table shows it whole.
	col.width = max(col.width, min(width(c.Names[i]), maxHeadW))
	return col
}

// maxHeadW is the widest a run's name makes its column.
const maxHeadW = 20

// head is the column's heading: the name right-aligned over the figures
// where it fits there, else from the column's left, cut to fit.
func (col textColumn) head(name string) string {
	if width(name) <= col.valueW {
		return padLeft(name, col.valueW)
	}
	if r := []rune(name); len(r) > col.width {
		// Cut the middle: runs often differ only at the end ("… (3)").
		keep := col.width - 1
		name = string(r[:keep-keep/2]) + "…" + string(r[len(r)-keep/2:])
	}
	return name
}

func (c *Comparison) writeBlock(b *strings.Builder, rowW int, cols []textColumn, block []int) {
	line := strings.Repeat(" ", rowW)
	for _, i := range block {
		line += "   " + pad(cols[i].head(c.Names[i]), cols[i].width)
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
	for _, row := range c.Rows {
		line := "  " + pad(row.Name, rowW-2)
		for _, i := range block {
			col, cell := cols[i], row.Cells[i]
			text := padLeft(cell.Text, col.valueW)
			if col.verdictW > 0 {
				text += "  " + padLeft(cell.Change, col.changeW) + " " + cell.Verdict
			}
			line += "   " + pad(text, col.width)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// writeWrapped writes text after prefix, wrapping at spaces to fit
// TextWidth; continuation lines are indented as wide as prefix.
func writeWrapped(b *strings.Builder, prefix, text string) {
	indent := strings.Repeat(" ", width(prefix))
	for i, line := range Wrap(text, TextWidth-width(prefix)) {
		if i == 0 {
			line = prefix + line
		} else {
			line = indent + line
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

func width(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, w int) string { return s + strings.Repeat(" ", max(0, w-width(s))) }

func padLeft(s string, w int) string { return strings.Repeat(" ", max(0, w-width(s))) + s }
