package report

import (
	"fmt"
	"math"
	"strings"
)

// chart is one SVG line chart, laid out in pixels: the HTML template only
// places what is computed here.
type chart struct {
	Title         string
	Subtitle      string // a line under the title
	Width, Height int
	// Plot area.
	Left, Top, Right, Bottom float64
	XLabel, YLabel, Y2Label  string
	XTicks, YTicks, Y2Ticks  []tick
	Series                   []series
	Markers                  []marker
	Dots                     []dot
}

// dot is one point, such as a count at the end of a run; Label is its
// tooltip.
type dot struct {
	X, Y   float64
	Label  string
	Color  string
	Filled bool
}

// tick is an axis gridline at pixel position Pos.
type tick struct {
	Pos   float64
	Label string
}

// series is one line; Path is an SVG path's d attribute.
type series struct {
	Name, Color, Dash string
	Path              string
}

// marker is a vertical line across the plot at pixel X, such as an onset.
type marker struct {
	X     float64
	Label string
	Color string
}

// scale maps data values to pixels, linearly or on log10.
type scale struct {
	lo, hi   float64 // data range (already log10 for log scales)
	pxLo, px float64 // pixel of lo, pixels from lo to hi (negative upwards)
	log      bool
}

func (s scale) pos(v float64) float64 {
	if s.log {
		v = math.Log10(math.Max(v, math.Pow(10, s.lo)))
	}
	if s.hi == s.lo {
		return s.pxLo
	}
	return s.pxLo + (v-s.lo)/(s.hi-s.lo)*s.px
}

// xScale and yScale span the chart's plot area.
func (c *chart) xScale(lo, hi float64, log bool) scale {
	return scale{lo: lo, hi: hi, pxLo: c.Left, px: c.Right - c.Left, log: log}
}

func (c *chart) yScale(lo, hi float64, log bool) scale {
	return scale{lo: lo, hi: hi, pxLo: c.Bottom, px: c.Top - c.Bottom, log: log}
}

// newChart lays out a chart of the given size with room for axis labels on
// the left, bottom and, when right is set, the right.
func newChart(title string, width, height int, right bool) *chart {
	c := &chart{Title: title, Width: width, Height: height, Left: 72, Top: 44, Bottom: float64(height) - 46}
	c.Right = float64(width) - 24
	if right {
		c.Right = float64(width) - 64
	}
	return c
}

// pathBuilder writes an SVG path, starting a new subpath after a gap.
type pathBuilder struct {
	b       strings.Builder
	started bool
}

func (p *pathBuilder) point(x, y float64) {
	op := "L"
	if !p.started {
		op = "M"
		p.started = true
	}
	fmt.Fprintf(&p.b, "%s%.1f %.1f", op, x, y)
}

// hold draws a value that holds from x0 to x1, as a rate over an interval
// does: up or down to y, then across.
func (p *pathBuilder) hold(x0, x1, y float64) {
	if !p.started {
		p.point(x0, y)
	} else {
		fmt.Fprintf(&p.b, "V%.1f", y)
	}
	fmt.Fprintf(&p.b, "H%.1f", x1)
}

func (p *pathBuilder) gap() { p.started = false }

func (p *pathBuilder) String() string { return p.b.String() }

// niceStep rounds v to a round gridline step: 1, 2, 2.5 or 5 times a power
// of ten.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if v <= m*mag*1.0000001 {
			return m * mag
		}
	}
	return 10 * mag
}

// countAxis returns the top and gridline step of an axis from 0 that shows
// counts up to v in about four whole-numbered steps.
func countAxis(v float64) (top, step float64) {
	step = max(1, niceStep(v/4))
	if step == 2.5 {
		step = 5
	}
	return max(step, math.Ceil(v/step)*step), step
}

// stepTicks puts gridlines every step from 0 to hi.
func stepTicks(s scale, hi, step float64, label func(float64) string) []tick {
	var ticks []tick
	for i := 0; float64(i)*step <= hi*(1+1e-9); i++ {
		v := float64(i) * step
		ticks = append(ticks, tick{Pos: s.pos(v), Label: label(v)})
	}
	return ticks
}

// decadeTicks puts gridlines on the powers of ten from 10^lo to 10^hi, and
// on 2 and 5 times them when the axis spans few decades.
func decadeTicks(s scale, lo, hi int, label func(float64) string) []tick {
	var ticks []tick
	for e := lo; e <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			if m != 1 && (hi-lo > 3 || e == hi) {
				continue
			}
			v := m * math.Pow(10, float64(e))
			ticks = append(ticks, tick{Pos: s.pos(v), Label: label(v)})
		}
	}
	return ticks
}

// shortNumber writes axis numbers briefly: 0.05, 750, 1.5k, 80k, 1.2M.
func shortNumber(v float64) string {
	switch {
	case v >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case v >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	// Ticks are multiples of a float step: round off its representation
	// error (0.15000000000000002).
	return formatNumber(math.Round(v*1e6) / 1e6)
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// palette colours the runs (Tableau 10), in order.
var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

func runColor(i int) string { return palette[i%len(palette)] }
