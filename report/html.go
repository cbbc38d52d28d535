package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"px":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"ending": Ending,
	// Onset labels stack downwards so that close onsets stay readable.
	"markerDY": func(k int) int { return 14 + 14*k },
	"verdictClass": func(v string) string {
		switch v {
		case Better:
			return "better"
		case Worse:
			return "worse"
		}
		return "neutral"
	},
}).Parse(htmlSource))

// htmlPage is what the template shows.
type htmlPage struct {
	*Comparison
	Colors    []string
	Spectra   []*chart
	Timelines []*chart
}

// WriteHTML writes the comparison as one self-contained HTML page (no
// external scripts, styles, fonts or images): the latency percentile
// spectrum of every run, each run's timeline of ok/s, errors/s and
// TIME_WAIT with the error onsets marked, and the comparison table.
func (c *Comparison) WriteHTML(w io.Writer) error {
	page := htmlPage{Comparison: c}
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
			return err
		}
		page.Spectra = append(page.Spectra, ch)
	}
	for i, r := range c.Runs {
		page.Timelines = append(page.Timelines, timelineChart(c.Names[i], r))
	}
	return htmlTemplate.Execute(w, page)
}

// spectrumNines is how far right the spectrum goes: 99.999%.
const spectrumNines = 5

// spectrumChart plots latency against percentile as the HdrHistogram
// plotter does: x is log10(1/(1-p)), so 90%, 99%, 99.9% are evenly spaced;
// y (latency) is on a log scale too, so runs decades apart share a chart.
func (c *Comparison) spectrumChart(title string, pick func(Latencies) Histogram) (*chart, error) {
	ch := newChart(title, 1100, 420, false)
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

// Timeline colours: ok, errors, TIME_WAIT.
const (
	colorOK       = "#2ca02c"
	colorErrors   = "#d62728"
	colorTimeWait = "#1f77b4"
)

// timelineChart plots one run's ok/s and errors/s per interval (left axis)
// and its TIME_WAIT count (right axis) over time, with a line at each error
// class's onset.
func timelineChart(name string, r *Result) *chart {
	ch := newChart(name, 540, 270, true)
	ch.XLabel, ch.YLabel, ch.Y2Label = "seconds", "requests/s", "TIME_WAIT"
	end := r.ElapsedS
	var rateMax, twMax float64
	prev := 0.0
	for _, iv := range r.Timeline {
		if d := iv.TS - prev; d > 0 {
			rateMax = math.Max(rateMax, float64(max(iv.RequestsOK, sum(iv.Errors)))/d)
		}
		twMax = math.Max(twMax, float64(iv.TimeWait))
		end = math.Max(end, iv.TS)
		prev = iv.TS
	}
	if end <= 0 {
		return ch
	}
	rateMax, rateStep := countAxis(rateMax)
	twMax, twStep := countAxis(twMax)
	xs := ch.xScale(0, end, false)
	ys, y2 := ch.yScale(0, rateMax, false), ch.yScale(0, twMax, false)
	ch.XTicks = stepTicks(xs, end, niceStep(end/6), shortNumber)
	ch.YTicks = stepTicks(ys, rateMax, rateStep, shortNumber)
	ch.Y2Ticks = stepTicks(y2, twMax, twStep, shortNumber)

	var ok, errs, tw pathBuilder
	prev = 0
	for _, iv := range r.Timeline {
		if d := iv.TS - prev; d > 0 {
			ok.hold(xs.pos(prev), xs.pos(iv.TS), ys.pos(float64(iv.RequestsOK)/d))
			errs.hold(xs.pos(prev), xs.pos(iv.TS), ys.pos(float64(sum(iv.Errors))/d))
		}
		if iv.TimeWait >= 0 {
			tw.point(xs.pos(iv.TS), y2.pos(float64(iv.TimeWait)))
		} else {
			tw.gap()
		}
		prev = iv.TS
	}
	ch.Series = []series{
		{Name: "ok/s", Color: colorOK, Path: ok.String()},
		{Name: "errors/s", Color: colorErrors, Path: errs.String()},
		{Name: "TIME_WAIT", Color: colorTimeWait, Dash: "5 3", Path: tw.String()},
	}
	for _, class := range slices.Sorted(maps.Keys(r.Onset)) {
		o := r.Onset[class]
		ch.Markers = append(ch.Markers, marker{X: xs.pos(o.AtS), Color: colorErrors,
			Label: fmt.Sprintf("%s onset %.3f s", class, o.AtS)})
	}
	return ch
}
