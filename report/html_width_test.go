package report_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/portlab/portlab/report"
)

// findChromium returns Chromium's path, or skips the test without it
// (fails instead when CI sets PORTLAB_REQUIRE_CHROMIUM=1).
func findChromium(t *testing.T) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("PORTLAB_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("chromium is required (PORTLAB_REQUIRE_CHROMIUM=1): %v", err)
		}
		t.Skipf("no chromium to render the report (apt-get install chromium): %v", err)
	}
	return chromium
}

// measureScript writes the rendered page's widths into the DOM, where
// --dump-dom shows them: the viewport, the document, and every element
// whose content is wider than its box (a table cut off or scrolled inside
// a box is as unreadable as a scrolled page).
const measureScript = `<script>
(function () {
  var over = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest("svg") || el.tagName === "SCRIPT") return;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      over.push(el.tagName.toLowerCase() + "." + el.className + ":" + el.scrollWidth + ">" + el.clientWidth);
    }
  });
  var out = document.createElement("pre");
  out.id = "measure";
  out.textContent = "viewport=" + window.innerWidth + " document=" + document.documentElement.scrollWidth +
    " overflowing=" + over.length + " [" + over.join(" ") + "]";
  document.body.appendChild(out);
})();
</script>`

var measureRE = regexp.MustCompile(`viewport=(\d+) document=(\d+) overflowing=(\d+) \[([^\]]*)\]`)

// TestHTMLFits1280 renders reports of six and ten runs with long names at
// 1280 px in headless Chromium and measures them: no horizontal scroll of
// the page, and no box whose content overflows it.
func TestHTMLFits1280(t *testing.T) {
	chromium := findChromium(t)
	runs := realRuns(t)
	// The default lab's six runs, their names as long as scenario names get;
	// then ten, the most a palette colours apart.
	names := []string{"new-connection-per-request", "connection-pool-of-sixteen", "keepalive-per-worker",
		"tcp-tw-reuse-enabled", "server-closes-first-time-wait", "so-linger-zero-reset",
		"bind-before-connect-reuseaddr", "wider-ephemeral-port-range", "four-source-addresses", "http-max-idle-conns"}
	for _, n := range []int{6, 10} {
		t.Run(fmt.Sprintf("%d runs", n), func(t *testing.T) {
			var rs []*report.Result
			for i, name := range names[:n] {
				rs = append(rs, longRun(runs[i%len(runs)], name))
			}
			checkFits(t, chromium, rs)
		})
	}
}

// longRun is a copy of r named name, carrying what a scenario's runs carry
// beyond figures, as long as it gets.
func longRun(r *report.Result, name string) *report.Result {
	c := *r
	c.Label = name
	c.Prediction = &report.Prediction{Why: "each closed connection holds its port in TIME_WAIT for 60 s " +
		"(tcp_fin_timeout does not change that); 1000 usable ports x 1 port spaces / 60s hold = 17 connections/s sustainable"}
	c.Checks = []report.Check{{Name: "sustained_connections_per_s", Predicted: 1000, Measured: 993.67, Ratio: 0.99}}
	c.Expectations = []report.Expectation{{Path: "onset.EADDRNOTAVAIL.connections_before",
		Want: "0.9*prediction..1.1*prediction", Value: 1000, Pass: true}}
	return &c
}

// checkFits renders the comparison of rs at 1280 px and measures it.
func checkFits(t *testing.T, chromium string, rs []*report.Result) {
	t.Helper()
	cmp, err := report.Compare(rs, 0)
	if err != nil {
		t.Fatal(err)
	}
	var html bytes.Buffer
	if err := cmp.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	measured := strings.Replace(html.String(), "</body>", measureScript+"\n</body>", 1)
	if err := report.WriteFileAtomic(page, []byte(measured)); err != nil {
		t.Fatal(err)
	}
	dom := headless(t, chromium, "--window-size=1280,2000", "--dump-dom", "file://"+page)
	viewport, document, overflowing, which := parseMeasure(t, dom)
	if viewport != 1280 {
		t.Fatalf("the page was laid out %d px wide, want 1280", viewport)
	}
	if document > viewport {
		t.Errorf("the page is %d px wide in a %d px window: it scrolls sideways", document, viewport)
	}
	if overflowing > 0 {
		t.Errorf("%d boxes overflow (tag.class:content>box px): %s", overflowing, which)
	}
}

func parseMeasure(t *testing.T, dom string) (viewport, document, overflowing int, which string) {
	t.Helper()
	m := measureRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page has no measurement: did the script run?\n%.2000s", dom)
	}
	var n [3]int
	for i := range n {
		v, err := strconv.Atoi(m[i+1])
		if err != nil {
			t.Fatal(fmt.Errorf("measurement %q: %w", m[0], err))
		}
		n[i] = v
	}
	return n[0], n[1], n[2], m[4]
}
