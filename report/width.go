package report

import "strings"

// Wrap breaks s into lines of at most cols columns, between words. A
// quoted stretch ('...' or "..." from a word's start) is one word, so a
// shell command wrapped across lines still pastes as the same command.
func Wrap(s string, cols int) []string { return wrap(s, cols, cols) }

// wrap is Wrap with the first line first columns wide, the others rest.
// Words on one line keep the spaces between them, so that aligned
// columns stay aligned.
func wrap(s string, first, rest int) []string {
	var lines []string
	line, cols := "", first
	for _, w := range words(s) {
		if line != "" && width(line)+width(w.space)+width(w.word) > cols {
			lines = append(lines, line)
			line, cols = "", rest
		}
		if line != "" {
			line += w.space
		}
		line += w.word
	}
	return append(lines, line)
}

// spacedWord is a word and the spaces before it.
type spacedWord struct{ space, word string }

// words splits s at spaces outside quotes.
func words(s string) []spacedWord {
	var out []spacedWord
	var quote rune
	start, spaceStart := -1, 0
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
				out = append(out, spacedWord{s[spaceStart:start], s[start:i]})
				spaceStart = i
			}
			start = -1
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, spacedWord{s[spaceStart:start], s[start:]})
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
