package report

import (
	"html"
	"strings"
	"testing"
)

// TestHTMLExplains: the page carries what the results say beyond their
// figures: how each run ended, its prediction beside its measurement, the
// expectations with their verdicts counted, and each note once.
func TestHTMLExplains(t *testing.T) {
	a := noiseRun(t, "new-conn", 1000, 500, 1863, 2000)
	a.StopReason, a.ElapsedS = StopRequests, 0.537
	a.Prediction = &Prediction{Why: "each closed connection holds its port in TIME_WAIT for 60 s"}
	a.Checks = []Check{{Name: "onset_after_connections", Predicted: 1000, Measured: 993, Ratio: 0.993}}
	a.Expectations = []Expectation{{Path: "errors.EADDRNOTAVAIL", Want: ">0", Value: 2000, Pass: true}}
	a.Notes = []string{"the sampler missed 2 intervals"}
	b := noiseRun(t, "pool", 1000, 500, 58921, 0)
	b.Checks = []Check{{Name: "eaddrnotavail", Predicted: 0, Measured: 0}}
	b.Expectations = []Expectation{{Path: "totals.connections_opened", Want: "<=16", Value: 17}}
	b.Notes = a.Notes
	c, err := Compare([]*Result{a, b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := c.WriteHTML(&out); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(out.String())
	for _, want := range []string{
		"stopped by requests after 0.537 s",
		"Expectations: 1 of 2 pass", ">FAIL<", ">PASS<", "totals.connections_opened", "<=16", ">17<",
		"Prediction vs measured", "each closed connection holds its port", "onset_after_connections",
		">993<", ">0.99<",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(page, "the sampler missed 2 intervals"); n != 1 {
		t.Errorf("a note two runs share is on the page %d times, want once", n)
	}
}

// TestNotesAttributed: a note only some runs have names them, in every
// format; a note all runs share is written once without names.
func TestNotesAttributed(t *testing.T) {
	a := noiseRun(t, "one", 1000, 500, 1863, 2000)
	b := noiseRun(t, "two", 1000, 500, 1863, 2000)
	a.Notes = []string{"a note both runs have", "behind a NAT gateway: 1 client"}
	b.Notes = []string{"a note both runs have", "behind a NAT gateway: 2 clients"}
	c, err := Compare([]*Result{a, b}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var text, md, page strings.Builder
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for format, out := range map[string]string{"text": text.String(), "markdown": md.String(), "html": html.UnescapeString(page.String())} {
		for _, want := range []string{"one: behind a NAT gateway: 1 client", "two: behind a NAT gateway: 2 clients"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", format, want)
			}
		}
		if strings.Contains(out, "two: a note both") || strings.Count(out, "a note both runs have") != 1 {
			t.Errorf("%s: the shared note is not there once without names:\n%s", format, out)
		}
	}
}
