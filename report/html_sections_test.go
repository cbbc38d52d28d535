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
