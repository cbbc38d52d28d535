package labcheck

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/portlab/portlab/loadgen"
)

// natExercise is LABS.md's exercise on SNAT exhaustion at a NAT gateway.
var natExercise = exercise{"SNAT exhaustion behind a NAT gateway", []func(*state) Criterion{snatExhausted, snatCured, snatChurn}}

// timeouts is how many of r's connects timed out: the client's view of a
// SYN the gateway dropped.
func (r run) timeouts() int64 {
	n, _, _ := r.res.Timeouts()
	return n
}

// behindNAT returns the runs that crossed a NAT gateway.
func (s *state) behindNAT() []run {
	return s.filter(func(r run) bool { return r.res.Gateway != nil && r.tcp() })
}

// workers is how many workers r's clients ran in all: the flows its load
// wanted open at once, unless a bounded pool held fewer.
func (r run) workers() int { return r.cfg.Concurrency * max(r.res.Gateway.Clients, 1) }

// snatText is "FILE: 100 connections through 100 ports (50000-50099) × 1
// address × 1 destination = 100 flows".
func (r run) snatText() string {
	return fmt.Sprintf("%s: %s connections through %s", r.file, thousands(r.res.Totals.ConnectionsOpened), r.res.PoolText())
}

// exhaustedGateways are the runs whose connects timed out at a full SNAT
// pool: as many connections as the pool holds flows (within 10%), the
// client's own ports free. The plainest comes first (fewest gateway
// addresses, then client hosts): the cures are measured against it.
func (s *state) exhaustedGateways() []run {
	var out []run
	for _, r := range s.behindNAT() {
		flows := float64(r.res.PoolFlows())
		opened := float64(r.res.Totals.ConnectionsOpened)
		if r.timeouts() > 0 && r.errors() == 0 && flows > 0 && opened >= 0.9*flows && opened <= 1.1*flows {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b run) int {
		ga, gb := a.res.Gateway, b.res.Gateway
		return cmp.Or(cmp.Compare(len(ga.SNATAddresses), len(gb.SNATAddresses)), cmp.Compare(ga.Clients, gb.Clients))
	})
	return out
}

func (s *state) doSNAT(scenario string) string {
	return "portlab run --out " + shellQuote(s.dir) + " " + scenario
}

func snatExhausted(s *state) Criterion {
	const name = "SNAT exhaustion: connect timeouts at the pool's size, the client's own ports free"
	if r := s.exhaustedGateways(); len(r) > 0 {
		return ok(name, fmt.Sprintf("%s, then %s connect timeouts and no EADDRNOTAVAIL; the gateway dropped %s SYNs",
			r[0].snatText(), thousands(r[0].timeouts()), thousands(r[0].res.GatewayDropped())))
	}
	if nat := s.behindNAT(); len(nat) > 0 {
		return missing(name, fmt.Sprintf("no run behind a NAT gateway timed out after as many connections as its pool holds (%s)", nat[0].snatText()),
			s.doSNAT("snat-exhaustion"))
	}
	return missing(name, "no result of a run behind a NAT gateway (portlab run --topology nat)", s.doSNAT("snat-exhaustion"))
}

func snatCured(s *state) Criterion {
	const name = "a cure: as many workers as the exhausted run, none timed out"
	exhausted := s.exhaustedGateways()
	if len(exhausted) == 0 {
		return missing(name, "first reproduce the exhaustion: the cures are measured against it", s.doSNAT("snat-exhaustion"))
	}
	want := exhausted[0].workers()
	var cures []string
	for _, r := range s.behindNAT() {
		if r.timeouts() == 0 && r.errors() == 0 && r.res.Totals.RequestsOK > 0 && r.workers() >= want {
			cures = append(cures, fmt.Sprintf("%s (%s)", r.file, cureOf(r, exhausted[0])))
		}
	}
	if len(cures) == 0 {
		return missing(name, fmt.Sprintf("no run behind a NAT gateway of %d workers or more without timeouts", want), s.doSNAT("snat-exhaustion"))
	}
	return ok(name, fmt.Sprintf("the %d workers of %s connected in %s", want, exhausted[0].file, strings.Join(cures, ", ")))
}

// cureOf names what r changed against the exhausted run e.
func cureOf(r, e run) string {
	g, eg := r.res.Gateway, e.res.Gateway
	var what []string
	if len(g.SNATAddresses) > len(eg.SNATAddresses) {
		what = append(what, "more gateway addresses")
	}
	if r.res.Destinations() > e.res.Destinations() {
		what = append(what, "more destinations")
	}
	if g.SNATPorts() > eg.SNATPorts() {
		what = append(what, "a wider SNAT range")
	}
	if r.cfg.Mode == loadgen.ModePool {
		what = append(what, "a bounded pool")
	}
	if len(what) == 0 {
		return fmt.Sprintf("%d connections in a pool of %d flows", r.res.Totals.ConnectionsOpened, r.res.PoolFlows())
	}
	return strings.Join(what, ", ")
}

func snatChurn(s *state) Criterion {
	const name = "churn through the gateway: closed flows hold no SNAT port here"
	var churns []run
	for _, r := range s.behindNAT() {
		if r.cfg.Mode == loadgen.ModeNew && r.errors() == 0 {
			churns = append(churns, r)
		}
	}
	for _, r := range churns {
		if flows := r.res.PoolFlows(); flows > 0 && r.res.Totals.ConnectionsOpened > 2*int64(flows) && r.timeouts() == 0 {
			peak, _ := r.res.GatewayPeak()
			return ok(name, fmt.Sprintf("%s, no timeouts; the gateway held at most %s conntrack entries: its NAT took over closed flows' mappings",
				r.snatText(), thousands(int64(peak.Entries))))
		}
	}
	if len(churns) > 0 {
		return missing(name, churns[0].snatText()+": not more than twice the pool without timeouts", s.doSNAT("snat-time-wait"))
	}
	return missing(name, "no run of new connections (--mode new) behind a NAT gateway", s.doSNAT("snat-time-wait"))
}
