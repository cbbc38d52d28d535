package report

import (
	"fmt"
	"math"
)

// colorGateway draws a NAT gateway's conntrack table.
const colorGateway = "#9467bd"

// sockets says whose sockets a result's timeline counted, as far as the
// result tells: the timeline samples the namespace's whole socket table.
type sockets int

const (
	// socketsClient: the namespace held the client's sockets alone (the
	// server was another host).
	socketsClient sockets = iota
	// socketsLoopbackClientTW: client and server shared the namespace;
	// the server held no TIME_WAIT at the end, so the TIME_WAIT was the
	// client's throughout (it outlives a run shorter than 60 s).
	socketsLoopbackClientTW
	// socketsLoopbackServerTW: as above, but all TIME_WAIT at the end was
	// the server's, which holds no ephemeral port.
	socketsLoopbackServerTW
	// socketsMixed: both sides held TIME_WAIT at the end, or the result
	// does not say; the timeline cannot separate them.
	socketsMixed
	// socketsHost: the host's own table, other programs' sockets too.
	socketsHost
)

// socketsOf reads from r's environment and end-of-run socket table whose
// sockets its timeline counted.
func socketsOf(r *Result) sockets {
	switch {
	case r.Environment.Netns == "host":
		return socketsHost
	case r.Environment.Topology != "" && r.Environment.Topology != "loopback":
		return socketsClient
	case r.Sockets == nil:
		return socketsMixed
	case r.Sockets.TimeWaitServer == 0:
		return socketsLoopbackClientTW
	case r.Sockets.TimeWaitClient == 0:
		return socketsLoopbackServerTW
	}
	return socketsMixed
}

// loopback is whether both ends of each connection are in the table.
func (s sockets) loopback() bool {
	return s == socketsLoopbackClientTW || s == socketsLoopbackServerTW || s == socketsMixed
}

// timeWaitName names a timeline's TIME_WAIT line by whose it is.
func (s sockets) timeWaitName() string {
	switch s {
	case socketsClient:
		return "TIME_WAIT, client host"
	case socketsLoopbackClientTW:
		return "TIME_WAIT, client side (the server held none)"
	case socketsLoopbackServerTW:
		return "TIME_WAIT, server side (the client held none)"
	case socketsHost:
		return "TIME_WAIT, the whole host"
	}
	return "TIME_WAIT, client and server sides mixed (loopback)"
}

// lineIs says whose a timeline's TIME_WAIT line is, beside the end's
// split.
func (s sockets) lineIs() string {
	switch s {
	case socketsClient:
		return "the line is the client host's"
	case socketsLoopbackClientTW:
		return "the line is the client's"
	case socketsLoopbackServerTW:
		return "the line is the server's"
	case socketsHost:
		return "the line is the whole host's"
	}
	return "the line mixes both sides"
}

// portsHeld is how many of the client's ephemeral ports one sample shows
// held, -1 when it was not read. A client's port is held by its
// ESTABLISHED (and other open) socket and by its TIME_WAIT. On loopback
// ESTABLISHED counts each connection twice, the client's end and the
// server's, so half of it is the client's; TIME_WAIT counts where it can
// be the client's (all of it when the sides are mixed: an upper bound).
func (s sockets) portsHeld(timeWait, established int) int {
	if timeWait < 0 || established < 0 {
		return -1
	}
	if s.loopback() {
		established = (established + 1) / 2
	}
	if s == socketsLoopbackServerTW {
		timeWait = 0
	}
	return timeWait + established
}

// usablePorts is how many ports r's client had toward its destinations:
// the prediction's usable ports times its port spaces, else the size of
// the ephemeral range; 0 when the result does not say.
func usablePorts(r *Result) int {
	if p := r.Prediction; p != nil && p.UsablePorts > 0 {
		return p.UsablePorts * max(p.PortSpaces, 1)
	}
	if lo, hi := r.Environment.IPLocalPortRange[0], r.Environment.IPLocalPortRange[1]; hi > lo {
		return hi - lo + 1
	}
	return 0
}

// snatPool is how many flows r's gateway could translate at once for its
// load (ports × addresses × destinations, less where the kernel's hash
// gives the load fewer addresses); 0 without a gateway.
func snatPool(r *Result) int {
	if r.Gateway == nil {
		return 0
	}
	return r.PoolFlows()
}

// portOvershoot is how far, in percent, a line may rise above a 100% top
// before the axis grows: loopback's halved ESTABLISHED count is an
// estimate, and a full range drawn on a 0–125% axis looks less full.
const portOvershoot = 5

// portPercentTop is the port-usage axis's top, shared by the report's
// panels: 100% of the ports, or more where a line goes beyond.
func (a timeAxis) portPercentTop(rs []*Result) (top, step float64) {
	most := 100.0
	for _, r := range rs {
		usable, pool := usablePorts(r), snatPool(r)
		for _, b := range a.bins(r) {
			if usable > 0 && b.held >= 0 {
				most = math.Max(most, 100*float64(b.held)/float64(usable))
			}
			if pool > 0 && b.conntrack >= 0 {
				most = math.Max(most, 100*float64(b.conntrack)/float64(pool))
			}
		}
	}
	if most <= 100+portOvershoot {
		return 100, 25
	}
	step = 25
	if most > 200 {
		step = niceStep(most / 4)
	}
	return math.Ceil(most/step) * step, step
}

// portChart plots one run's port usage, as a share of its usable ports,
// against its errors per second on the report's time axis: ports held,
// the client's TIME_WAIT where the result can tell it is the client's,
// the NAT gateway's conntrack entries as a share of its SNAT pool, and
// the ports held toward the target at the end, from the socket table.
func (a timeAxis) portChart(name string, r *Result, pctTop, pctStep float64) *chart {
	ch := newChart(name, 600, 304, true)
	ch.Top += 14
	ch.XLabel, ch.YLabel, ch.Y2Label = a.label(), "% of usable ports", "errors/s"
	usable, sides := usablePorts(r), socketsOf(r)
	if a.end <= 0 || usable == 0 {
		return ch
	}
	bins := a.bins(r)
	var errMax float64
	for _, b := range bins {
		if d := b.to - b.from; d > 0 {
			errMax = math.Max(errMax, float64(b.errs)/d)
		}
	}
	errTop, errStep := countAxis(errMax)
	xs, ys, y2 := ch.xScale(0, a.end, false), ch.yScale(0, pctTop, false), ch.yScale(0, errTop, false)
	ch.XTicks = stepTicks(xs, a.end, niceStep(a.end/6), shortNumber)
	ch.YTicks = stepTicks(ys, pctTop, pctStep, func(v float64) string { return shortNumber(v) + "%" })
	ch.Y2Ticks = stepTicks(y2, errTop, errStep, shortNumber)
	pct := func(n, of int) float64 { return ys.pos(100 * float64(n) / float64(of)) }
	pool := snatPool(r)
	var held, tw, errs, gw pathBuilder
	for _, b := range bins {
		x0, x1 := xs.pos(b.from), xs.pos(b.to)
		if d := b.to - b.from; d > 0 {
			errs.hold(x0, x1, y2.pos(float64(b.errs)/d))
		}
		step(&held, x0, x1, b.held >= 0, func() float64 { return pct(b.held, usable) })
		step(&tw, x0, x1, b.timeWait >= 0, func() float64 { return pct(b.timeWait, usable) })
		step(&gw, x0, x1, pool > 0 && b.conntrack >= 0, func() float64 { return pct(b.conntrack, pool) })
	}
	ch.Series = append(ch.Series, series{Name: "client ports held: TIME_WAIT + ESTABLISHED", Color: colorTimeWait, Path: held.String()})
	if sides == socketsClient || sides == socketsLoopbackClientTW {
		ch.Series = append(ch.Series, series{Name: "client TIME_WAIT", Color: colorTimeWait, Dash: "5 3", Path: tw.String()})
	}
	ch.Series = append(ch.Series, series{Name: "errors/s (right axis)", Color: colorErrors, Path: errs.String()})
	if pool > 0 {
		ch.Series = append(ch.Series, series{Name: "gateway conntrack entries, % of the SNAT pool", Color: colorGateway, Path: gw.String()})
	}
	if s := r.Sockets; s != nil && sides != socketsHost {
		ch.Dots = []dot{{X: xs.pos(a.endOf(r)), Y: pct(s.TargetPortsHeld, usable), Color: colorTimeWait, Filled: true,
			Label: fmt.Sprintf("%d ports held toward the target at the end (socket table)", s.TargetPortsHeld)}}
	}
	ch.Subtitle = portSubtitle(usable, pool, r, sides)
	return ch
}

// step draws a held value across a bin, or a gap where there is none.
func step(p *pathBuilder, x0, x1 float64, ok bool, y func() float64) {
	if ok {
		p.hold(x0, x1, y())
	} else {
		p.gap()
	}
}

// portSubtitle says what 100% is and how far the lines can be trusted.
func portSubtitle(usable, pool int, r *Result, sides sockets) string {
	s := fmt.Sprintf("100%% = %d usable ports", usable)
	if pool > 0 {
		g := r.Gateway // the pool in brief: a panel is 600 px wide
		s += fmt.Sprintf("; SNAT pool %d = %s × %d ports", r.SNATFlows(),
			plural(len(g.SNATAddresses), "address", "addresses"), g.SNATPorts())
		if d := r.Destinations(); d > 1 {
			s += fmt.Sprintf(" × %d destinations", d)
		}
		if pool != r.SNATFlows() {
			s += fmt.Sprintf(", %d by hash", pool)
		}
	}
	switch sides {
	case socketsMixed:
		s += "; TIME_WAIT of both sides: an upper bound"
	case socketsLoopbackServerTW:
		s += "; all TIME_WAIT was the server's"
	case socketsHost:
		s += "; the whole host's sockets: an upper bound"
	}
	return s
}
