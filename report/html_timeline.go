package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
)

// Timeline colours: ok, errors, TIME_WAIT.
const (
	colorOK       = "#2ca02c"
	colorErrors   = "#d62728"
	colorTimeWait = "#1f77b4"
)

// minTimeWaitTop keeps a handful of TIME_WAIT sockets a handful: an axis
// that scaled to 0–1 would draw 1 to 6 sockets as a ramp to the top.
const minTimeWaitTop = 10

// minBinS is the narrowest bin the timelines plot once a report spans
// minRebinSpanS: narrower bins turn a steady rate whose ports come back
// in bursts (TIME_WAIT reuse after tcp_tw_reuse_delay, 1 s) into a 0↔max
// sawtooth.
const (
	minBinS       = 1.0
	minRebinSpanS = 3.0
	// maxBins bounds the points of one line: a long run's panel stays
	// readable and its SVG small.
	maxBins = 150
)

// timeAxis is the time axis every timeline panel of one report shares, so
// that panels compare: one end, one bin width.
type timeAxis struct {
	end, bin float64 // seconds
	recorded float64 // the runs' widest recorded interval, seconds
}

// newTimeAxis spans the longest run, in bins no finer than any run
// recorded and, once the report spans minRebinSpanS, at least minBinS.
func newTimeAxis(rs []*Result) timeAxis {
	var a timeAxis
	for _, r := range rs {
		a.end = math.Max(a.end, r.ElapsedS)
		for _, iv := range r.Timeline {
			a.end = math.Max(a.end, iv.TS)
		}
		a.recorded = math.Max(a.recorded, recordedInterval(r))
	}
	a.bin = a.recorded
	if a.bin < minBinS && a.end >= minRebinSpanS {
		a.bin = minBinS
	}
	if a.end > 0 {
		a.bin = math.Max(a.bin, niceStep(a.end/maxBins))
	}
	return a
}

// recordedInterval is the width of r's timeline intervals in seconds.
func recordedInterval(r *Result) float64 {
	if r.Config != nil && r.Config.Interval > 0 {
		return r.Config.Interval.Seconds()
	}
	if len(r.Timeline) > 0 {
		return r.Timeline[0].TS
	}
	return 0
}

// rebinned reports whether the plotted bins are wider than recorded.
func (a timeAxis) rebinned() bool { return a.recorded > 0 && a.bin > a.recorded*1.001 }

// label names the axis and, when the bins are wider than recorded, says so.
func (a timeAxis) label() string {
	if a.rebinned() {
		return fmt.Sprintf("seconds (%s s bins; recorded every %s s)", shortNumber(a.bin), shortNumber(a.recorded))
	}
	return "seconds"
}

// timeBin is the run's intervals that end in one bin of the time axis, added
// up.
type timeBin struct {
	from, to float64
	ok, errs int64
	// timeWait is the most TIME_WAIT sockets sampled in the bin, -1 when
	// none was.
	timeWait int
	// held is the most client ports a sample of the bin shows held
	// (sockets.portsHeld), -1 when none was read.
	held int
	// conntrack is the most NAT gateway conntrack entries sampled in the
	// bin, -1 when none was.
	conntrack int
	// p50 is the request-weighted median of the intervals' p50s; p99 the
	// highest interval p99 (intervals' percentiles do not add up). Zero
	// when no request finished.
	p50, p99 int64
}

// bins adds r's intervals up into the axis's bins. An interval belongs to
// the bin its end falls in; the last bin ends at the run's last interval.
// Unless rebinned, each interval is its own bin.
func (a timeAxis) bins(r *Result) []timeBin {
	var out []timeBin
	var p50s []weightedUS
	key, prev := -1, 0.0
	sides := socketsOf(r)
	for i, iv := range r.Timeline {
		k, from := i, prev
		if a.rebinned() {
			k = max(0, int(math.Ceil(iv.TS/a.bin-1e-9))-1)
			from = float64(k) * a.bin
		}
		if len(out) == 0 || k != key {
			if len(out) > 0 {
				out[len(out)-1].p50 = weightedMedian(p50s)
			}
			out, p50s, key = append(out, timeBin{from: from, timeWait: -1, held: -1, conntrack: -1}), nil, k
		}
		b := &out[len(out)-1]
		b.to = iv.TS
		b.ok += iv.RequestsOK
		b.errs += sum(iv.Errors)
		b.timeWait = max(b.timeWait, iv.TimeWait)
		b.held = max(b.held, sides.portsHeld(iv.TimeWait, iv.Established))
		if iv.Gateway != nil {
			b.conntrack = max(b.conntrack, iv.Gateway.Entries)
		}
		b.p99 = max(b.p99, iv.P99US)
		if iv.RequestsOK > 0 && iv.P50US > 0 {
			p50s = append(p50s, weightedUS{iv.P50US, iv.RequestsOK})
		}
		prev = iv.TS
	}
	if len(out) > 0 {
		out[len(out)-1].p50 = weightedMedian(p50s)
	}
	return out
}

type weightedUS struct{ v, n int64 }

// weightedMedian is the value half of the weight lies at or below.
func weightedMedian(ws []weightedUS) int64 {
	if len(ws) == 0 {
		return 0
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].v < ws[j].v })
	var total, seen int64
	for _, w := range ws {
		total += w.n
	}
	for _, w := range ws {
		if seen += w.n; 2*seen >= total {
			return w.v
		}
	}
	return ws[len(ws)-1].v
}

// timeWaitTop is the TIME_WAIT axis's top, shared by the report's panels:
// the most any run sampled, never less than minTimeWaitTop.
func timeWaitTop(rs []*Result) (top, step float64) {
	most := 0
	for _, r := range rs {
		for _, iv := range r.Timeline {
			most = max(most, iv.TimeWait)
		}
		if r.Sockets != nil {
			most = max(most, r.Sockets.TimeWaitClient, r.Sockets.TimeWaitServer)
		}
	}
	return countAxis(math.Max(float64(most), minTimeWaitTop))
}

// timelineChart plots one run's ok/s and errors/s per bin (left axis) and
// its TIME_WAIT count (right axis, shared by the report's panels) on the
// report's time axis, with a line at each error class's onset and the
// client's and server's TIME_WAIT at the end as two dots.
func (a timeAxis) timelineChart(name string, r *Result, twTop, twStep float64) *chart {
	ch := newChart(name, 600, 304, true)
	ch.Top += 14 // room for the subtitle under a long name
	ch.XLabel, ch.YLabel, ch.Y2Label = a.label(), "requests/s", "TIME_WAIT"
	if a.end <= 0 {
		return ch
	}
	bins := a.bins(r)
	var rateMax float64
	for _, b := range bins {
		if d := b.to - b.from; d > 0 {
			rateMax = math.Max(rateMax, float64(max(b.ok, b.errs))/d)
		}
	}
	rateMax, rateStep := countAxis(rateMax)
	xs, ys, y2 := ch.xScale(0, a.end, false), ch.yScale(0, rateMax, false), ch.yScale(0, twTop, false)
	ch.XTicks = stepTicks(xs, a.end, niceStep(a.end/6), shortNumber)
	ch.YTicks = stepTicks(ys, rateMax, rateStep, shortNumber)
	ch.Y2Ticks = stepTicks(y2, twTop, twStep, shortNumber)
	if ports := clientPorts(r); ports > 0 {
		// The line is the client's ports: say how much of them.
		ch.Y2Label = "TIME_WAIT, % of ports"
		ch.Y2Ticks = stepTicks(y2, twTop, twStep, func(v float64) string {
			return fmt.Sprintf("%s %.0f%%", shortNumber(v), 100*v/float64(ports))
		})
	}

	var ok, errs, tw pathBuilder
	for _, b := range bins {
		if d := b.to - b.from; d > 0 {
			ok.hold(xs.pos(b.from), xs.pos(b.to), ys.pos(float64(b.ok)/d))
			errs.hold(xs.pos(b.from), xs.pos(b.to), ys.pos(float64(b.errs)/d))
		}
		if b.timeWait >= 0 {
			tw.hold(xs.pos(b.from), xs.pos(b.to), y2.pos(float64(b.timeWait)))
		} else {
			tw.gap()
		}
	}
	ch.Series = []series{
		{Name: "ok/s", Color: colorOK, Path: ok.String()},
		{Name: "errors/s", Color: colorErrors, Path: errs.String()},
		{Name: socketsOf(r).timeWaitName(), Color: colorTimeWait, Dash: "5 3", Path: tw.String()},
	}
	for _, class := range slices.Sorted(maps.Keys(r.Onset)) {
		o := r.Onset[class]
		ch.Markers = append(ch.Markers, marker{X: xs.pos(o.AtS), Color: colorErrors,
			Label: fmt.Sprintf("%s onset %.3f s", class, o.AtS)})
	}
	ch.Dots = endSockets(r, xs.pos(a.endOf(r)), y2)
	if s := r.Sockets; s != nil {
		ch.Subtitle = fmt.Sprintf("TIME_WAIT at the end: ● client %d, ○ server %d; %s", s.TimeWaitClient, s.TimeWaitServer,
			socketsOf(r).lineIs())
	}
	return ch
}

// endOf is where r's line ends on the axis.
func (a timeAxis) endOf(r *Result) float64 {
	end := r.ElapsedS
	if n := len(r.Timeline); n > 0 {
		end = math.Max(end, r.Timeline[n-1].TS)
	}
	return end
}

// endSockets marks the client's and the server's TIME_WAIT at the end of
// the run, which the result counts apart: on loopback the timeline's line
// is both sides together.
func endSockets(r *Result, x float64, y scale) []dot {
	if r.Sockets == nil {
		return nil
	}
	s := r.Sockets
	return []dot{
		{X: x, Y: y.pos(float64(s.TimeWaitClient)), Color: colorTimeWait, Filled: true,
			Label: fmt.Sprintf("client side: %d TIME_WAIT at the end", s.TimeWaitClient)},
		{X: x, Y: y.pos(float64(s.TimeWaitServer)), Color: colorTimeWait,
			Label: fmt.Sprintf("server side: %d TIME_WAIT at the end", s.TimeWaitServer)},
	}
}

// latencyChart plots every run's p50 (solid) and p99 (dashed) per bin on
// the report's time axis. Latency is on a log scale: runs decades apart
// share the chart.
func (a timeAxis) latencyChart(names []string, rs []*Result) *chart {
	ch := newChart("Latency over time: p50 (solid) and p99 (dashed) per bin", 1200, 340, false)
	ch.XLabel, ch.YLabel = a.label(), "latency"
	lo, hi := math.Inf(1), 0.0
	all := make([][]timeBin, len(rs))
	for i, r := range rs {
		all[i] = a.bins(r)
		for _, b := range all[i] {
			if b.p50 > 0 {
				lo = math.Min(lo, float64(b.p50))
			}
			hi = math.Max(hi, float64(b.p99))
		}
	}
	if a.end <= 0 || hi == 0 {
		return ch
	}
	lo = math.Min(lo, hi)
	elo, ehi := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	if ehi == elo {
		ehi++
	}
	xs, ys := ch.xScale(0, a.end, false), ch.yScale(float64(elo), float64(ehi), true)
	ch.XTicks = stepTicks(xs, a.end, niceStep(a.end/10), shortNumber)
	ch.YTicks = decadeTicks(ys, elo, ehi, func(v float64) string { return US(int64(v)) })
	for i, bins := range all {
		var p50, p99 pathBuilder
		for _, b := range bins {
			for _, q := range []struct {
				p *pathBuilder
				v int64
			}{{&p50, b.p50}, {&p99, b.p99}} {
				if q.v > 0 {
					q.p.hold(xs.pos(b.from), xs.pos(b.to), ys.pos(float64(q.v)))
				} else {
					q.p.gap()
				}
			}
		}
		ch.Series = append(ch.Series,
			series{Name: names[i] + " p50", Color: runColor(i), Path: p50.String()},
			series{Name: names[i] + " p99", Color: runColor(i), Dash: "5 3", Path: p99.String()})
	}
	return ch
}

// clientPorts is how many ports r's client had toward its destinations
// when its timeline's TIME_WAIT is the client's own, else 0: a server's
// TIME_WAIT holds no ephemeral port.
func clientPorts(r *Result) int {
	if s := socketsOf(r); s != socketsClient && s != socketsLoopbackClientTW {
		return 0
	}
	return usablePorts(r)
}
