package report

import (
	"fmt"
	"strings"
)

// Printable is s with every control character but newline and tab
// written as a Go escape (\x1b, \u009b), so that a label, note or target
// taken from a result file or a flag cannot move the cursor, retitle the
// terminal or hide text when a report is printed. Every text writer of
// reports passes its output through it.
func Printable(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isControl(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// isControl reports the C0 controls but newline and tab, DEL, and the C1
// controls (U+0080-U+009F), which terminals also obey.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
}
