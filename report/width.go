package report

import "strings"

// Wrap breaks s into lines of at most cols columns, between words. A
// quoted stretch ('...' or "..." from a word's start) is one word, so a shell command wrapped
// across lines still pastes as the same command.
func Wrap(s string, cols int) []string { return wrap(s, cols, cols) }

// wrap is Wrap with the first line first columns wide, the others rest.
func wrap(s string, first, rest int) []string {
	var lines []string
	line, cols := "", first
	for _, word := range words(s) {
		if line != "" && width(line)+1+width(word) > cols {
			lines = append(lines, line)
			line, cols = "", rest
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// words splits s at spaces outside quotes.
func words(s string) []string {
	var out []string
	var quote rune
	start := -1
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case (r == '\'' || r == '"') && start < 0: // an apostrophe is no quote
			quote = r
		case r == ' ':
			if start >= 0 {
				out = append(out, s[start:i])
			}
			start = -1
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// Fit wraps every line of text longer than cols columns, each
// continuation indented two columns past the line's own indent. Lines
// that fit, tables among them, are left as they are; cols <= 0 leaves
// text whole.
func Fit(text string, cols int) string {
	if cols <= 0 {
		return text
	}
	var b strings.Builder
	lines := strings.SplitAfter(text, "\n")
	for _, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if width(body) <= cols {
			b.WriteString(l)
			continue
		}
		indent := body[:len(body)-len(strings.TrimLeft(body, " "))]
		for i, part := range wrap(body[len(indent):], cols-len(indent), cols-len(indent)-2) {
			if i == 1 {
				indent += "  "
			}
			b.WriteString(indent + part + "\n")
		}
		if !strings.HasSuffix(l, "\n") {
			s := b.String()
			b.Reset()
			b.WriteString(strings.TrimSuffix(s, "\n"))
		}
	}
	return b.String()
}
