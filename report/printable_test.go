package report

import (
	"strings"
	"testing"
	"time"
)

func TestPrintable(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain, with\ttab\nand newline", "plain, with\ttab\nand newline"},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\x07title`},
		{"\x1b[2J", `\x1b[2J`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"µs → ×", "µs → ×"},
	} {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A label with terminal escapes or HTML, as a crafted result file carries
// it, reaches no report raw.
func TestReportsEscapeLabels(t *testing.T) {
	r := &Result{SchemaVersion: SchemaVersion, Label: "\x1b]0;pwned\x07<img src=x onerror=alert(1)>",
		Strategy: "keep-alive\x1b[2J", StartedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ElapsedS: 1,
		Notes: []string{"note\x1b[31m"}}
	var text strings.Builder
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	c, err := Compare([]*Result{r}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cmp, md strings.Builder
	if err := c.WriteText(&cmp); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "comparison": cmp.String(), "markdown": md.String()} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s output holds a raw control character:\n%q", name, out)
		}
	}
	if strings.Contains(md.String(), "<img") {
		t.Errorf("markdown embeds the label's HTML:\n%s", md.String())
	}
}
