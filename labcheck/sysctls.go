package labcheck

import (
	"fmt"
	"math"
	"strings"

	"github.com/portlab/portlab/internal/ports"
	"github.com/portlab/portlab/internal/sysctl"
)

// Exercises 5, 6, 8 and 9: the kernel settings, as this machine has them
// now and as each result recorded them when it ran.

// minWideRange is how many ports exercise 6 wants the range widened to.
const minWideRange = 20_000

// vmTwReuse is the run of exercise 5 on the client VM with tcp_tw_reuse
// set to reuse.
func (s *state) vmTwReuse(reuse string) string {
	return `sudo sysctl -w net.ipv4.ip_local_port_range="40000 40999" net.ipv4.tcp_tw_reuse=` + reuse + "; " + drain +
		"; portlab load --target " + labTarget + " --mode new --duration 10s --sustain-exhaustion --out " + s.path("ex5-reuse"+reuse+".json")
}

func (s *state) doTwReuse(reuse string) string {
	return either(s.vmTwReuse(reuse), s.scenario("tw-reuse"))
}

func timestampsOn(s *state) Criterion {
	const name = "TCP timestamps on (tcp_tw_reuse needs them)"
	v, err := sysctl.Read("net.ipv4.tcp_timestamps")
	switch {
	case err != nil:
		return missing(name, "cannot read it: "+err.Error(), "")
	case v == "0":
		return missing(name, "net.ipv4.tcp_timestamps is 0: without timestamps connect() never takes over a TIME_WAIT port, whatever tcp_tw_reuse says",
			"sudo sysctl -w net.ipv4.tcp_timestamps=1")
	}
	return ok(name, "net.ipv4.tcp_timestamps is "+v)
}

// reuseWindow is how long a run must go on after its onset to show whether
// ports come back: tcp_tw_reuse_delay is 1 s.
const reuseWindow = 1.0

func exhaustedWithoutReuse(s *state) Criterion {
	const name = "without TIME_WAIT reuse the range stays exhausted"
	var short, cameBack []run
	for _, r := range s.exhausted() {
		if r.reuseApplies() {
			continue
		}
		n, _ := r.usable()
		switch conns, secs := r.afterOnset(); {
		case secs < reuseWindow:
			short = append(short, r)
		case float64(conns) >= 0.1*float64(n):
			cameBack = append(cameBack, r)
		default:
			return ok(name, afterOnsetText(r))
		}
	}
	switch {
	case len(cameBack) > 0:
		return missing(name, afterOnsetText(cameBack[0])+": ports came back; was TIME_WAIT reused after all?", s.doTwReuse("0"))
	case len(short) > 0:
		// The sandbox's runs without reuse stop about a second in, so
		// only a run on the VM can show this.
		_, secs := short[0].afterOnset()
		return missing(name, fmt.Sprintf("%s stopped %.1f s after its onset, before tcp_tw_reuse_delay (1 s) could tell: run on with --sustain-exhaustion", short[0].file, secs),
			"on the client VM: "+s.vmTwReuse("0"))
	}
	return missing(name, "no exhausted run with tcp_tw_reuse 0, or 2 toward another host", s.doTwReuse("0"))
}

// afterOnsetText is "f.json (tcp_tw_reuse 0 toward 127.0.0.1:7777): 2
// connections in the 1.5 s after the onset".
func afterOnsetText(r run) string {
	conns, secs := r.afterOnset()
	return fmt.Sprintf("%s (tcp_tw_reuse %d toward %s): %s connections in the %.1f s after the onset",
		r.file, r.res.Environment.TCPTwReuse, r.cfg.Target, thousands(conns), secs)
}

func resumedWithReuse(s *state) Criterion {
	const name = "with tcp_tw_reuse=1 connections resume after the onset"
	var seen []run
	for _, r := range s.exhausted() {
		if !r.reuseApplies() {
			continue
		}
		seen = append(seen, r)
		n, _ := r.usable()
		if conns, _ := r.afterOnset(); float64(conns) >= 0.5*float64(n) {
			return ok(name, afterOnsetText(r)+", with "+r.rangeText())
		}
	}
	if len(seen) > 0 {
		conns, secs := seen[0].afterOnset()
		return missing(name, fmt.Sprintf("%s: only %s connections in the %.1f s after the onset: run longer past it (--sustain-exhaustion on a VM)",
			seen[0].file, thousands(conns), secs), s.doTwReuse("1"))
	}
	return missing(name, "no exhausted run with tcp_tw_reuse 1 (or 2 toward loopback)", s.doTwReuse("1"))
}

// portRange reads this machine's ephemeral port range.
func portRange() (lo, hi int, err error) {
	lp, err := ports.ReadLocalPorts()
	return lp.Lo, lp.Hi, err
}

func rangeWidened(s *state) Criterion {
	name := fmt.Sprintf("range widened to at least %s ports", thousands(minWideRange))
	lo, hi, err := portRange()
	if err != nil {
		return missing(name, "cannot read it: "+err.Error(), "")
	}
	detail := fmt.Sprintf("ip_local_port_range is %d %d, %s ports", lo, hi, thousands(int64(hi-lo+1)))
	if hi-lo+1 < minWideRange {
		return missing(name, detail, `sudo sysctl -w net.ipv4.ip_local_port_range="10000 65000"`)
	}
	return ok(name, detail)
}

func (s *state) doRanges() string {
	return either(`sudo sysctl -w net.ipv4.ip_local_port_range="40000 40999"; `+drain+"; portlab load --target "+labTarget+" --mode new --duration 30s --out "+s.path("ex6-narrow.json")+
		`; `+drain+`; sudo sysctl -w net.ipv4.ip_local_port_range="10000 65000"; portlab load --target `+labTarget+" --mode new --duration 60s --out "+s.path("ex6-wide.json"),
		s.scenario("wider-range"))
}

// twoRanges returns the exhausted runs with the fewest and the most usable
// ports; of several with as many, the one whose onset came closest to them.
func (s *state) twoRanges() (narrow, wide run, ok bool) {
	ex := s.exhausted()
	if len(ex) == 0 {
		return narrow, wide, false
	}
	narrow, wide = ex[0], ex[0]
	for _, r := range ex[1:] {
		n, _ := r.usable()
		nn, _ := narrow.usable()
		nw, _ := wide.usable()
		if n < nn || n == nn && closer(r, narrow) {
			narrow = r
		}
		if n > nw || n == nw && closer(r, wide) {
			wide = r
		}
	}
	nn, _ := narrow.usable()
	nw, _ := wide.usable()
	return narrow, wide, nw >= 2*nn
}

func closer(a, b run) bool { return math.Abs(a.onsetRatio()-1) < math.Abs(b.onsetRatio()-1) }

func onsetUnderTwoRanges(s *state) Criterion {
	const name = "onset met under two ranges, one at least twice the other"
	narrow, wide, found := s.twoRanges()
	switch {
	case narrow.res == nil:
		return missing(name, "no exhausted run yet", s.doRanges())
	case !found:
		return missing(name, "the exhausted runs' ranges: "+narrow.rangeText()+" at the most; "+
			"a wider range that did not exhaust needs a rate above its ports / 60 s (more --concurrency)", s.doRanges())
	}
	return ok(name, fmt.Sprintf("%s: %s; %s: %s", narrow.file, narrow.rangeText(), wide.file, wide.rangeText()))
}

func onsetInProportion(s *state) Criterion {
	const name = "the onset moved in proportion to the range"
	narrow, wide, found := s.twoRanges()
	if !found {
		return missing(name, "needs the two runs above", s.doRanges())
	}
	detail := fmt.Sprintf("%s: %s; %s: %s", narrow.file, narrow.onsetText(), wide.file, wide.onsetText())
	if !narrow.atRange() || !wide.atRange() {
		return missing(name, detail+": an onset far below its range means TIME_WAIT of an earlier run held ports; let it drain and run again", s.doRanges())
	}
	return ok(name, detail)
}

func (s *state) doFinTimeout() string {
	return either(`sudo sysctl -w net.ipv4.ip_local_port_range="40000 40999" net.ipv4.tcp_fin_timeout=60; `+drain+"; portlab load --target "+labTarget+" --mode new --duration 10s --out "+s.path("ex8-fin60.json")+
		"; "+drain+"; sudo sysctl -w net.ipv4.tcp_fin_timeout=5; portlab load --target "+labTarget+" --mode new --duration 10s --out "+s.path("ex8-fin5.json"),
		s.scenario("fin-timeout-myth"))
}

// finPair returns two exhausted runs with the same usable ports and
// different tcp_fin_timeout, the closest in onset.
func (s *state) finPair() (a, b run, ok bool) {
	ex := s.exhausted()
	best := math.Inf(1)
	for i, r := range ex {
		for _, q := range ex[i+1:] {
			nr, _ := r.usable()
			nq, _ := q.usable()
			if nr != nq || r.res.Environment.TCPFinTimeout == q.res.Environment.TCPFinTimeout {
				continue
			}
			if d := math.Abs(r.onsetRatio() - q.onsetRatio()); d < best {
				a, b, ok, best = r, q, true, d
			}
		}
	}
	return a, b, ok
}

func twoFinTimeouts(s *state) Criterion {
	const name = "onset met under two tcp_fin_timeout values, with the same range"
	a, b, found := s.finPair()
	if !found {
		var seen []string
		for _, r := range s.exhausted() {
			seen = append(seen, fmt.Sprintf("%s: tcp_fin_timeout %d, %s", r.file, r.res.Environment.TCPFinTimeout, r.rangeText()))
		}
		detail := "no exhausted run yet"
		if len(seen) > 0 {
			detail = "exhausted runs: " + strings.Join(seen, "; ")
		}
		return missing(name, detail, s.doFinTimeout())
	}
	return ok(name, fmt.Sprintf("tcp_fin_timeout %d (%s) and %d (%s), both with %s",
		a.res.Environment.TCPFinTimeout, a.file, b.res.Environment.TCPFinTimeout, b.file, a.rangeText()))
}

func onsetUnmoved(s *state) Criterion {
	const name = "the onset did not move: TIME_WAIT lasts 60 s whatever tcp_fin_timeout says"
	a, b, found := s.finPair()
	if !found {
		return missing(name, "needs the two runs above", s.doFinTimeout())
	}
	oa, _ := a.onset()
	ob, _ := b.onset()
	detail := fmt.Sprintf("onset after %s connections with tcp_fin_timeout %d, %s with %d",
		thousands(oa.ConnectionsBefore), a.res.Environment.TCPFinTimeout, thousands(ob.ConnectionsBefore), b.res.Environment.TCPFinTimeout)
	if math.Abs(a.onsetRatio()-b.onsetRatio()) > 0.1 {
		return missing(name, detail+": more than 10% of the range apart; did TIME_WAIT drain before each run?", s.doFinTimeout())
	}
	return ok(name, detail)
}

// inspectRange is s.inspect with the range in words: "40000-40999".
func (s *state) inspectRange() (rep *ports.Report, rng string, err error) {
	rep, err = s.inspect()
	if err != nil {
		return nil, "", fmt.Errorf("cannot read this machine's ports and sockets: %w", err)
	}
	return rep, fmt.Sprintf("%d-%d", rep.IPLocalPortRange[0], rep.IPLocalPortRange[1]), nil
}

func portReserved(s *state) Criterion {
	const name = "a port inside the ephemeral range is reserved"
	rep, rng, err := s.inspectRange()
	if err != nil {
		return missing(name, err.Error(), "")
	}
	if rep.ReservedInRange == 0 {
		return missing(name, "ip_local_reserved_ports reserves no port of "+rng, "sudo sysctl -w net.ipv4.ip_local_reserved_ports=40500")
	}
	return ok(name, fmt.Sprintf("ip_local_reserved_ports %s: %s of %s", strings.Join(rep.Reserved, ","), plural(rep.ReservedInRange, "port"), rng))
}

func listenersReserved(s *state) Criterion {
	const name = "no listener inside the ephemeral range is left unreserved"
	rep, rng, err := s.inspectRange()
	if err != nil {
		return missing(name, err.Error(), "")
	}
	if len(rep.ListenersInRange) == 0 {
		return ok(name, "no socket listens on an unreserved port of "+rng)
	}
	var at []string
	for _, l := range rep.ListenersInRange {
		at = append(at, l.Local)
	}
	return missing(name, strings.Join(at, ", ")+" listen on unreserved ports of "+rng+": after a reboot under load a client may hold them first",
		"sudo "+rep.ListenersInRange[0].Fix)
}

func exhaustedWithReserved(s *state) Criterion {
	const name = "onset with a port of the range reserved"
	for _, r := range s.exhausted() {
		lo, hi := r.res.Environment.IPLocalPortRange[0], r.res.Environment.IPLocalPortRange[1]
		if n, _ := r.usable(); n < hi-lo+1 {
			return ok(name, r.file+": "+r.onsetText())
		}
	}
	return missing(name, "no exhausted run recorded a reserved port inside its range",
		either("sudo sysctl -w net.ipv4.ip_local_reserved_ports=40500; "+drain+"; portlab load --target "+labTarget+" --mode new --duration 10s --out "+s.path("ex9.json"),
			s.scenario("server-port-in-range")))
}
