package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// SNATPorts is how many ports the gateway's range holds for each of its
// addresses toward each destination; 0 for a range it does not record.
func (g *Gateway) SNATPorts() int {
	if g.PortMax < g.PortMin || g.PortMin <= 0 {
		return 0
	}
	return g.PortMax - g.PortMin + 1
}

// Destinations is how many destinations r's load spread over: each has
// its own ports at the client and its own SNAT pool at a gateway.
func (r *Result) Destinations() int {
	if r.Config != nil {
		if t := r.Config.Targets(); len(t) > 0 {
			return len(t)
		}
	}
	return strings.Count(r.Target, ",") + 1
}

// SNATFlows is how many flows r's gateway could translate at once: SNAT
// ports × gateway addresses × destinations; 0 without a gateway.
func (r *Result) SNATFlows() int {
	if r.Gateway == nil {
		return 0
	}
	return r.Gateway.SNATPorts() * len(r.Gateway.SNATAddresses) * r.Destinations()
}

// PoolFlows is how many flows r's gateway could hold at once for its
// load: the prediction's snat_pool_flows where the run recorded one (it
// knows when the kernel's hash gives one client one address of several),
// else SNATFlows. (Read by path: the field comes with the nat topology.)
func (r *Result) PoolFlows() int {
	if v, ok, err := Lookup(r, "prediction.snat_pool_flows"); err == nil && ok && v > 0 {
		return int(v)
	}
	return r.SNATFlows()
}

// GatewayPeak is the gateway's sample with the most conntrack entries
// over r's timeline, or its end when that has more (or there is no
// timeline): the end comes after the load closed its connections, so a
// tie goes to the run's own; ok is false without a gateway.
func (r *Result) GatewayPeak() (peak GatewaySample, ok bool) {
	if r.Gateway == nil {
		return GatewaySample{}, false
	}
	found := false
	for _, iv := range r.Timeline {
		if iv.Gateway != nil && (!found || iv.Gateway.Entries > peak.Entries) {
			peak, found = *iv.Gateway, true
		}
	}
	if !found || r.Gateway.End.Entries > peak.Entries {
		peak = r.Gateway.End
	}
	return peak, true
}

// Dropped is how many SYNs of new flows the gateway has dropped: a flow
// it cannot translate fails its conntrack insert and its packet is
// dropped, so insert_failed and drop rise together, one each per SYN;
// either may also count on its own.
func (s GatewaySample) Dropped() int64 { return max(s.InsertFailed, s.Drop) }

// GatewayDropped is how many SYNs r's gateway dropped by the run's end:
// the counters run from the gateway's start, and each run has its own.
func (r *Result) GatewayDropped() int64 {
	if r.Gateway == nil {
		return 0
	}
	return r.Gateway.End.Dropped()
}

// StatesText is a sample's TCP states, most first: "100 ESTABLISHED, 3
// SYN_SENT"; "" when it has none.
func (s GatewaySample) StatesText() string {
	keys := slices.Sorted(maps.Keys(s.States))
	slices.SortStableFunc(keys, func(a, b string) int { return s.States[b] - s.States[a] })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", s.States[k], k))
	}
	return strings.Join(parts, ", ")
}

// PoolText describes r's SNAT pool: "100 ports (50000-50099) × 1 address
// × 1 destination = 100 flows".
func (r *Result) PoolText() string {
	g := r.Gateway
	return fmt.Sprintf("%d ports (%d-%d) × %s × %s = %d flows", g.SNATPorts(), g.PortMin, g.PortMax,
		plural(len(g.SNATAddresses), "address", "addresses"), plural(r.Destinations(), "destination", "destinations"), r.SNATFlows())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Timeouts counts r's connects that never completed, the client's view of
// a SYN a gateway dropped: portlab's own --connect-timeout (class timeout)
// and the kernel giving up on its SYN retries (ETIMEDOUT); first is the
// earlier onset of the two, ok false when neither has one.
func (r *Result) Timeouts() (n int64, first Onset, ok bool) {
	for _, class := range []string{"timeout", "ETIMEDOUT"} {
		n += r.Errors[class]
		if o, found := r.Onset[class]; found && (!ok || o.AtS < first.AtS) {
			first, ok = o, true
		}
	}
	return n, first, ok
}
