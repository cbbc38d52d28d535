package report_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// TestHTMLRendersInChromium writes the HTML report of real runs and has
// headless Chromium render it: the DOM must hold every run and the charts,
// the screenshot must show something. Set PORTLAB_SCREENSHOT_DIR to keep
// report.html and report.png for a person to look at.
func TestHTMLRendersInChromium(t *testing.T) {
	chromium := findChromium(t)
	runs := realRuns(t)
	cmp, err := report.Compare(runs, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if keep := os.Getenv("PORTLAB_SCREENSHOT_DIR"); keep != "" {
		dir = keep
	}
	page := filepath.Join(dir, "report.html")
	var html bytes.Buffer
	if err := cmp.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteFileAtomic(page, html.Bytes()); err != nil {
		t.Fatal(err)
	}
	for _, external := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(html.String(), external) {
			t.Errorf("the page is not self-contained: it has %q", external)
		}
	}

	shot := filepath.Join(dir, "report.png")
	headless(t, chromium, "--screenshot="+shot, "--window-size=1200,2000", "file://"+page)
	dom := headless(t, chromium, "--dump-dom", "file://"+page)
	for _, r := range runs {
		if !strings.Contains(dom, r.Label) {
			t.Errorf("the rendered DOM lacks run %q", r.Label)
		}
		if !strings.Contains(dom, report.Ending(r)) {
			t.Errorf("the rendered DOM lacks how run %q ended: %q", r.Label, report.Ending(r))
		}
	}
	// Two spectra, a timeline and a port-usage panel per run, and latency
	// over time.
	if got, want := strings.Count(dom, "<svg"), 3+2*len(runs); got != want {
		t.Errorf("the rendered DOM has %d <svg> charts, want %d", got, want)
	}
	// churn and keep-alive stop by their request counts, server-gone by
	// its duration: a warning says so.
	for _, want := range []string{"Latency spectrum", "99.999%", "ECONNREFUSED onset", "TIME_WAIT", "Latency over time", "Port usage", "% of usable ports", "<path d=\"M", "the runs stopped differently"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered DOM lacks %q", want)
		}
	}
	checkScreenshot(t, shot)
}

// realRuns loads loopback echo servers for real: a churning client, a
// keep-alive one, and one whose server goes away under it, so that its
// timeline has an onset to mark.
func realRuns(t *testing.T) []*report.Result {
	srv := echotest.Start(t, nil)
	churn := loadConfig(srv, "churn", 3000)
	keep := loadConfig(srv, "keep-alive", 6000)
	keep.Mode = loadgen.ModeKeepAlive
	runs := runAll(t, churn, keep)

	doomed := echotest.Start(t, nil)
	cfg := loadConfig(doomed, "server-gone", 0)
	cfg.Duration = 800 * time.Millisecond
	time.AfterFunc(400*time.Millisecond, func() { doomed.Close() })
	r, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Onset["ECONNREFUSED"]; !ok {
		t.Fatalf("no ECONNREFUSED onset after the server closed: %v", r.Errors)
	}
	return append(runs, r)
}

// headless runs Chromium headless on args and returns its stdout.
func headless(t *testing.T, chromium string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// checkScreenshot asserts the PNG is a real page: the requested size, and
// many colours (text, lines and their anti-aliasing), not one blank fill.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1200x2000", b.Dx(), b.Dy())
	}
	colours := map[[3]uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	if len(colours) < 50 {
		t.Errorf("screenshot has %d colours; a rendered report has text and charts", len(colours))
	}
	// The runs' chart colours are on the page (lines and legend swatches).
	for _, want := range []string{"#1f77b4", "#ff7f0e", "#2ca02c"} {
		if !hasColour(img, want) {
			t.Errorf("screenshot has no %s pixels", want)
		}
	}
}

func hasColour(img image.Image, hex string) bool {
	var want [3]uint32
	for i := range want {
		var v uint32
		for _, c := range hex[1+2*i : 3+2*i] {
			v = v*16 + uint32(strings.IndexRune("0123456789abcdef", c))
		}
		want[i] = v
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r>>8, want[0]) && near(g>>8, want[1]) && near(bl>>8, want[2]) {
				return true
			}
		}
	}
	return false
}

func near(a, b uint32) bool { return a+6 >= b && b+6 >= a }
