package labcheck

import (
	"fmt"
	"math"
)

// Exercises 1 and 2: reproduce EADDRNOTAVAIL and see who holds the ports.

// labTarget is the echo service of the lab's server VM.
const labTarget = "192.168.56.11:7777"

// drain waits until this machine's TIME_WAIT has expired.
const drain = `while [ "$(ss -Htan state time-wait | wc -l)" -gt 0 ]; do sleep 5; done`

// either offers the command on the client VM and the one without VMs.
func either(vm, sandbox string) string {
	return "on the client VM: " + vm + withoutVMs + sandbox
}

// withoutVMs joins either's two commands; the text puts each on its line.
const withoutVMs = "; without VMs: "

func (s *state) doExhaust() string {
	return either("portlab load --target "+labTarget+" --mode new --concurrency 16 --duration 30s --out "+s.path("ex1.json"),
		s.scenario("exhaustion"))
}

func onsetReproduced(s *state) Criterion {
	const name = "onset reproduced: a result with EADDRNOTAVAIL"
	ex := s.exhausted()
	if len(ex) == 0 {
		return missing(name, "no result in "+s.dir+" from a new connection per request met EADDRNOTAVAIL", s.doExhaust())
	}
	r := ex[0]
	o, _ := r.onset()
	return ok(name, fmt.Sprintf("%s: %s EADDRNOTAVAIL, the first %.3g s into the run", r.file, thousands(r.errors()), o.AtS))
}

func onsetAtRange(s *state) Criterion {
	const name = "onset after about as many connections as the range has ports"
	ex := s.exhausted()
	if len(ex) == 0 {
		return missing(name, "no onset to compare with the range yet", s.doExhaust())
	}
	for _, r := range ex {
		if r.atRange() {
			return ok(name, r.file+": "+r.onsetText())
		}
	}
	r := ex[0]
	return missing(name, r.file+": "+r.onsetText()+
		": TIME_WAIT from an earlier run still held the rest; let it drain and run again",
		either(drain+"; portlab load --target "+labTarget+" --mode new --duration 30s --out "+s.path("ex1.json"), s.scenario("exhaustion")))
}

// busiest is this machine's destination holding the most ephemeral ports,
// if one holds 60% of them or more (portlab ports' warn level).
func (s *state) busiest() (Criterion, bool) {
	const name = "one destination holds most of the range (portlab ports: warn or crit)"
	do := "run exercise 1's load again (" + drain + "; portlab load --target " + labTarget +
		" --mode new --duration 30s --out " + s.path("ex1.json") + "), then check within 60 s, while its TIME_WAIT lasts"
	rep, err := s.inspect()
	if err != nil {
		return missing(name, "cannot read this machine's sockets: "+err.Error(), ""), false
	}
	if len(rep.Destinations) == 0 || rep.Level == "ok" {
		seen := "no destination holds a port of it"
		if len(rep.Destinations) > 0 {
			d := rep.Destinations[0]
			seen = fmt.Sprintf("the busiest, %s, holds %s (%.0f%%)", d.Remote, thousands(int64(d.PortsUsed)), d.UsagePercent)
		}
		return missing(name, fmt.Sprintf("no destination holds 60%% of the %s usable ports now: %s", thousands(int64(rep.UsablePorts)), seen), do), false
	}
	d := rep.Destinations[0]
	return ok(name, fmt.Sprintf("%s holds %s of the %s usable ports (%.0f%%, %s)",
		d.Remote, thousands(int64(d.PortsUsed)), thousands(int64(rep.UsablePorts)), d.UsagePercent, d.Level)), true
}

func destinationBusy(s *state) Criterion {
	c, _ := s.busiest()
	return c
}

func heldInTimeWait(s *state) Criterion {
	const name = "held in TIME_WAIT: this machine closed first"
	c, busy := s.busiest()
	if !busy {
		return missing(name, "no busy destination to look at", c.Do)
	}
	d := s.inspection.Destinations[0]
	total := 0
	for _, n := range d.States {
		total += n
	}
	tw := d.States["TIME_WAIT"]
	detail := fmt.Sprintf("%s of the %s sockets toward %s are in TIME_WAIT", thousands(int64(tw)), thousands(int64(total)), d.Remote)
	if float64(tw) < 0.9*float64(total) {
		return missing(name, detail+": these ports are held open, not by TIME_WAIT (a pool or a leak?)", "")
	}
	return ok(name, detail+": this side closed first, so it keeps the TIME_WAIT")
}

func onsetAtForecast(s *state) Criterion {
	const name = "onset at the forecast: a fixed-rate run exhausted after usable ports / rate"
	do := "on the client VM: " + drain + "; portlab load --target " + labTarget + " --mode new --rate 1000 --duration 40s --quiet --out " + s.path("ex2.json")
	runs := s.filter(func(r run) bool { return r.cfg.Rate > 0 })
	var ex []run
	for _, r := range s.exhausted() {
		if r.cfg.Rate > 0 {
			ex = append(ex, r)
		}
	}
	if len(ex) == 0 {
		detail := "no fixed-rate (--rate) run met EADDRNOTAVAIL"
		if len(runs) > 0 {
			detail = fmt.Sprintf("%s ran at %g/s without EADDRNOTAVAIL: give it a longer --duration than ports / rate", runs[0].file, runs[0].cfg.Rate)
		}
		return missing(name, detail, do)
	}
	// Judged on the schedule, not the clock: the failing request was due
	// after as many connections as the range has ports, ports / rate
	// seconds in. A generator that falls behind its rate (a busy machine)
	// meets the onset later by the clock, but after as many connections.
	best, bestErr := ex[0], math.Inf(1)
	for _, r := range ex {
		if e := math.Abs(r.dueAt()/r.forecast() - 1); e < bestErr {
			best, bestErr = r, e
		}
	}
	o, _ := best.onset()
	n, _ := best.usable()
	detail := fmt.Sprintf("%s: onset after %s connections, due at %.1f s; forecast %s ports / %g per s = %.1f s",
		best.file, thousands(o.ConnectionsBefore), best.dueAt(), thousands(int64(n)), best.cfg.Rate, best.forecast())
	if lag := o.AtS - best.dueAt(); lag > 0.25*best.forecast() {
		detail += fmt.Sprintf(" (met at %.1f s: the generator fell %.1f s behind its rate)", o.AtS, lag)
	}
	if bestErr > 0.25 {
		return missing(name, detail+": more than 25% apart; TIME_WAIT of an earlier run shortens it: let it drain and run again", do)
	}
	return ok(name, detail)
}

// dueAt is when, at the run's fixed rate, the request that met the onset
// was due: after every connection before it.
func (r run) dueAt() float64 {
	o, _ := r.onset()
	return float64(o.ConnectionsBefore) / r.cfg.Rate
}

// forecast is when a run at a fixed rate should run out of ports.
func (r run) forecast() float64 {
	n, _ := r.usable()
	return float64(n) / r.cfg.Rate
}
