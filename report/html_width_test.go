package report_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
// --dump-dom shows them: the viewport, the document, every element
// whose content is wider than its box (a table cut off or scrolled inside
// a box is as unreadable as a scrolled page), and every chart that ends
// past the window or whose text runs past the chart's own edges (an SVG
// clips it).
const measureScript = `<script>
(function () {
  var over = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest("svg") || el.tagName === "SCRIPT") return;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      over.push(el.tagName.toLowerCase() + "." + el.className + ":" + el.scrollWidth + ">" + el.clientWidth);
    }
  });
  var cut = [];
  document.querySelectorAll("svg").forEach(function (svg) {
    var w = svg.viewBox.baseVal.width, title = svg.getAttribute("aria-label");
    if (svg.getBoundingClientRect().right > window.innerWidth) cut.push(title + ":chart");
    svg.querySelectorAll("text").forEach(function (t) {
      var b = t.getBBox();
      if (b.x < -1 || b.x + b.width > w + 1) cut.push(title + ":" + t.textContent.replace(/ /g, "_") + ":" + Math.round(b.x + b.width) + ">" + w);
    });
  });
  var out = document.createElement("pre");
  out.id = "measure";
  out.textContent = "viewport=" + window.innerWidth + " document=" + document.documentElement.scrollWidth +
    " overflowing=" + over.length + " [" + over.join(" ") + "]" +
    " charts=" + document.querySelectorAll("svg").length + " cut=" + cut.length + " [" + cut.join(" ") + "]";
  document.body.appendChild(out);
})();
</script>`

var measureRE = regexp.MustCompile(`viewport=(\d+) document=(\d+) overflowing=(\d+) \[([^\]]*)\] charts=(\d+) cut=(\d+) \[([^\]]*)\]`)

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
				r := longRun(runs[i%len(runs)], name)
				// Beside the host's runs, the panels' longest subtitles:
				// a NAT gateway's pool and loopback's mixed sides.
				switch i % 3 {
				case 1:
					natRun(r)
				case 2:
					r.Environment.Netns, r.Environment.Topology = "sandbox", "loopback"
					r.Sockets = &report.Sockets{TimeWaitClient: 64999, TimeWaitServer: 12345, TargetPortsHeld: 64999}
				}
				rs = append(rs, r)
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

// natRun makes r a run across a NAT gateway with a wide SNAT pool, its
// conntrack table sampled in every interval.
func natRun(r *report.Result) {
	r.Environment.Netns, r.Environment.Topology = "sandbox", "nat"
	r.Gateway = &report.Gateway{SNATAddresses: []string{"198.19.0.1", "198.19.0.2"}, PortMin: 1024, PortMax: 65535,
		Clients: 4, ConntrackMax: 262144}
	r.Timeline = slices.Clone(r.Timeline)
	for i := range r.Timeline {
		r.Timeline[i].Gateway = &report.GatewaySample{Entries: 1000 * (i + 1)}
	}
}

// checkFits renders the comparison of rs at 1280 px and measures it: no
// sideways scroll, no box overflowing, every chart drawn (two spectra, a
// timeline and a port-usage panel per run, latency over time) and no
// chart text cut at a chart's edge.
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
	m := parseMeasure(t, dom)
	if m.viewport != 1280 {
		t.Fatalf("the page was laid out %d px wide, want 1280", m.viewport)
	}
	if m.document > m.viewport {
		t.Errorf("the page is %d px wide in a %d px window: it scrolls sideways", m.document, m.viewport)
	}
	if m.overflowing > 0 {
		t.Errorf("%d boxes overflow (tag.class:content>box px): %s", m.overflowing, m.which)
	}
	if want := 3 + 2*len(rs); m.charts != want {
		t.Errorf("%d charts drawn, want %d", m.charts, want)
	}
	if m.cut > 0 {
		t.Errorf("%d chart texts run past their chart (chart:text:right edge>width px): %s", m.cut, m.cutWhich)
	}
}

// measurement is what measureScript found.
type measurement struct {
	viewport, document, overflowing, charts, cut int
	which, cutWhich                              string
}

func parseMeasure(t *testing.T, dom string) measurement {
	t.Helper()
	m := measureRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page has no measurement: did the script run?\n%.2000s", dom)
	}
	var n []int
	for _, k := range []int{1, 2, 3, 5, 6} {
		v, err := strconv.Atoi(m[k])
		if err != nil {
			t.Fatal(fmt.Errorf("measurement %q: %w", m[0], err))
		}
		n = append(n, v)
	}
	return measurement{viewport: n[0], document: n[1], overflowing: n[2], charts: n[3], cut: n[4], which: m[4], cutWhich: m[7]}
}
