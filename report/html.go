package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"px":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"ending": Ending,
	// Onset labels stack downwards so that close onsets stay readable.
	"markerDY": func(k int) int { return 14 + 14*k },
}).Parse(htmlSource))

// htmlPage is what the template shows.
type htmlPage struct {
	*Comparison
	Colors    []string
	Spectra   []*chart
	Timelines []*chart
	// Ports is each run's port usage against its errors.
	Ports   []*chart
	Latency *chart
	// Gateway is whether any run crossed a NAT gateway.
	Gateway bool
	// Table is the comparison's rows, changes within noise marked.
	Table     []htmlRow
	NoiseRule string
	Explained htmlExplained
	// Rebinned is whether the timelines' bins are wider than recorded.
	Rebinned bool
}

// WriteHTML writes the comparison as one self-contained HTML page (no
// external scripts, styles, fonts or images) that fits 1280 px: the runs
// and how each ended, the expectations, each run's prediction beside its
// measurement, the latency percentile spectrum of every run, each run's
// timeline of ok/s, errors/s and TIME_WAIT with the error onsets marked on
// one shared time axis, each run's port usage against its errors on the
// same axis, latency over time, and the comparison table with
// changes within run-to-run noise marked as such.
func (c *Comparison) WriteHTML(w io.Writer) error {
	page, err := c.htmlPage()
	if err != nil {
		return err
	}
	return htmlTemplate.Execute(w, page)
}

// htmlPage lays out what WriteHTML shows.
func (c *Comparison) htmlPage() (*htmlPage, error) {
	page := &htmlPage{Comparison: c, Table: c.htmlTable(), NoiseRule: noiseRule,
		Explained: c.explainHTML()}
	for i := range c.Runs {
		page.Colors = append(page.Colors, runColor(i))
	}
	for _, h := range []struct {
		title string
		pick  func(Latencies) Histogram
	}{
		{"Total latency by percentile (request start to full echo)", func(l Latencies) Histogram { return l.Total }},
		{"Connect latency by percentile", func(l Latencies) Histogram { return l.Connect }},
	} {
		ch, err := c.spectrumChart(h.title, h.pick)
		if err != nil {
			return nil, err
		}
		page.Spectra = append(page.Spectra, ch)
	}
	axis := newTimeAxis(c.Runs)
	twTop, twStep := timeWaitTop(c.Runs)
	pctTop, pctStep := axis.portPercentTop(c.Runs)
	for i, r := range c.Runs {
		page.Timelines = append(page.Timelines, axis.timelineChart(c.Names[i], r, twTop, twStep))
		page.Ports = append(page.Ports, axis.portChart(c.Names[i], r, pctTop, pctStep))
		page.Gateway = page.Gateway || snatPool(r) > 0
	}
	page.Latency = axis.latencyChart(c.Names, c.Runs)
	page.Rebinned = axis.rebinned()
	return page, nil
}

// spectrumNines is how far right the spectrum goes: 99.999%.
const spectrumNines = 5

// spectrumChart plots latency against percentile as the HdrHistogram
// plotter does: x is log10(1/(1-p)), so 90%, 99%, 99.9% are evenly spaced;
// y (latency) is on a log scale too, so runs decades apart share a chart.
func (c *Comparison) spectrumChart(title string, pick func(Latencies) Histogram) (*chart, error) {
	ch := newChart(title, 1200, 420, false)
	ch.XLabel, ch.YLabel = "percentile", "latency"
	type curve struct {
		run    int
		xs     []float64
		values []int64
	}
	var curves []curve
	lo, hi := math.Inf(1), 1.0
	for i, r := range c.Runs {
		s := pick(r.Latency)
		if s.Count == 0 {
			continue
		}
		h, err := s.Decode()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Names[i], err)
		}
		// Past 1/(1-p) = 2N every percentile is the maximum: stop there.
		end := math.Min(spectrumNines, math.Log10(2*float64(h.TotalCount())))
		var xs, ps []float64
		for k := 0; float64(k)*0.02 < end; k++ {
			xs = append(xs, float64(k)*0.02)
		}
		xs = append(xs, end)
		for _, x := range xs {
			ps = append(ps, 100*(1-math.Pow(10, -x)))
		}
		values := h.ValueAtPercentilesSlice(ps)
		lo = math.Min(lo, float64(max(values[0], 1)))
		hi = math.Max(hi, float64(values[len(values)-1]))
		curves = append(curves, curve{i, xs, values})
	}
	if len(curves) == 0 {
		return ch, nil
	}
	elo, ehi := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	if ehi == elo {
		ehi++
	}
	xs, ys := ch.xScale(0, spectrumNines, false), ch.yScale(float64(elo), float64(ehi), true)
	for n := 0; n <= spectrumNines; n++ {
		ch.XTicks = append(ch.XTicks, tick{Pos: xs.pos(float64(n)), Label: ninesLabel(n)})
	}
	ch.YTicks = decadeTicks(ys, elo, ehi, func(v float64) string { return US(int64(v)) })
	for _, cv := range curves {
		var p pathBuilder
		for k, x := range cv.xs {
			p.point(xs.pos(x), ys.pos(float64(max(cv.values[k], 1))))
		}
		ch.Series = append(ch.Series, series{Name: c.Names[cv.run], Color: runColor(cv.run), Path: p.String()})
	}
	return ch, nil
}

// ninesLabel names the percentile with n nines: 0%, 90%, 99%, 99.9%.
func ninesLabel(n int) string {
	return fmt.Sprintf("%.*f%%", max(n-2, 0), 100-math.Pow(10, 2-float64(n)))
}
