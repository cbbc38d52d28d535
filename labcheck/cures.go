package labcheck

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/portlab/portlab/loadgen"
)

// Exercises 3, 4, 7 and 10: the cures that open fewer connections, or
// leave their TIME_WAIT elsewhere.

// pools are the TCP pool runs that met no EADDRNOTAVAIL.
func (s *state) pools() []run {
	return s.filter(func(r run) bool {
		return r.tcp() && r.cfg.Mode == loadgen.ModePool && r.res.Totals.RequestsOK > 0 && r.errors() == 0
	})
}

func (r run) poolSize() int {
	if r.cfg.PoolSize > 0 {
		return r.cfg.PoolSize
	}
	return r.cfg.Concurrency
}

func (s *state) doPool() string {
	return either(drain+"; portlab load --target "+labTarget+" --mode pool --pool-size 16 --concurrency 16 --duration 30s --out "+s.path("ex3.json"),
		s.scenario("pooling"))
}

func poolWithoutErrors(s *state) Criterion {
	const name = "a pool run without EADDRNOTAVAIL"
	p := s.pools()
	if len(p) == 0 {
		return missing(name, "no --mode pool run without EADDRNOTAVAIL in "+s.dir, s.doPool())
	}
	return ok(name, fmt.Sprintf("%s: pool of %d, %s requests, no EADDRNOTAVAIL", p[0].file, p[0].poolSize(), thousands(p[0].res.Totals.RequestsOK)))
}

func poolWithinSize(s *state) Criterion {
	const name = "the pool opened no more connections than its size"
	p := s.pools()
	if len(p) == 0 {
		return missing(name, "no pool run to look at", s.doPool())
	}
	for _, r := range p {
		if r.res.Totals.ConnectionsOpened <= int64(r.poolSize()) {
			return ok(name, fmt.Sprintf("%s: %s connections for %s requests", r.file, thousands(r.res.Totals.ConnectionsOpened), thousands(r.res.Totals.RequestsOK)))
		}
	}
	return missing(name, fmt.Sprintf("%s: %s connections for a pool of %d: broken connections were replaced; is the server closing them?",
		p[0].file, thousands(p[0].res.Totals.ConnectionsOpened), p[0].poolSize()), s.doPool())
}

func poolFaster(s *state) Criterion {
	const name = "pooling serves more requests per second than a connection per request"
	fastest := func(rs []run) (best run) {
		for _, r := range rs {
			if best.res == nil || r.res.Throughput.RequestsPerS > best.res.Throughput.RequestsPerS {
				best = r
			}
		}
		return best
	}
	pool := fastest(s.pools())
	// Exercise 1's load, not a cure: SO_LINGER 0 and a server that closes
	// first also take a connection per request, faster than it.
	perRequest := fastest(s.filter(func(r run) bool { return r.churns() && r.res.Totals.RequestsOK > 0 }))
	switch {
	case pool.res == nil:
		return missing(name, "no pool run to compare", s.doPool())
	case perRequest.res == nil:
		return missing(name, "no run with a new connection per request, closed by the client without SO_LINGER 0, "+
			"to compare with (exercise 1)", s.doExhaust())
	}
	detail := fmt.Sprintf("%.0f requests/s pooled (%s), %.0f with a new connection per request (%s)",
		pool.res.Throughput.RequestsPerS, pool.file, perRequest.res.Throughput.RequestsPerS, perRequest.file)
	if pool.res.Throughput.RequestsPerS <= perRequest.res.Throughput.RequestsPerS {
		return missing(name, detail+": were both against the same server?", s.doPool())
	}
	return ok(name, detail)
}

// keepAlives returns the TCP keep-alive runs, one per requests-per-conn
// value (the one with the most requests), ordered by reuse: 1, 10, 100,
// and unlimited (0) last.
func (s *state) keepAlives() []run {
	byReuse := map[int]run{}
	for _, r := range s.filter(func(r run) bool {
		return r.tcp() && r.cfg.Mode == loadgen.ModeKeepAlive && r.res.Totals.RequestsOK > 0
	}) {
		if b, seen := byReuse[r.cfg.RequestsPerConn]; !seen || r.res.Totals.RequestsOK > b.res.Totals.RequestsOK {
			byReuse[r.cfg.RequestsPerConn] = r
		}
	}
	var out []run
	for _, r := range byReuse {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b run) int { return reuseRank(a) - reuseRank(b) })
	return out
}

func reuseRank(r run) int {
	if r.cfg.RequestsPerConn == 0 {
		return int(^uint(0) >> 1)
	}
	return r.cfg.RequestsPerConn
}

func reuseName(r run) string {
	if r.cfg.RequestsPerConn == 0 {
		return "unlimited"
	}
	return fmt.Sprint(r.cfg.RequestsPerConn)
}

func (s *state) doKeepAlive() string {
	return either(`for n in 1 10 100 0; do `+drain+`; portlab load --target `+labTarget+` --mode keepalive --requests-per-conn "$n" --duration 30s --quiet --out `+s.path(`ex4-$n.json`)+`; done`,
		s.scenario("keepalive"))
}

func keepAliveSweep(s *state) Criterion {
	const name = "keep-alive runs with 1, 10, 100 and unlimited requests per connection"
	ka := s.keepAlives()
	var values []string
	for _, r := range ka {
		values = append(values, reuseName(r))
	}
	found := "none"
	if len(values) > 0 {
		found = strings.Join(values, ", ")
	}
	if len(ka) < 3 || ka[len(ka)-1].cfg.RequestsPerConn != 0 {
		return missing(name, "want at least three values, unlimited among them; found: "+found, s.doKeepAlive())
	}
	return ok(name, "requests per connection: "+found)
}

func connsPerRequest(r run) float64 {
	return float64(r.res.Totals.ConnectionsOpened) / float64(r.res.Totals.RequestsOK)
}

func churnFallsWithReuse(s *state) Criterion {
	const name = "connections per request fall as requests per connection rise"
	ka := s.keepAlives()
	if len(ka) < 2 {
		return missing(name, "needs keep-alive runs with two values of --requests-per-conn at least", s.doKeepAlive())
	}
	var seen []string
	for i, r := range ka {
		seen = append(seen, fmt.Sprintf("%s: %.3g", reuseName(r), connsPerRequest(r)))
		if i > 0 && connsPerRequest(r) >= connsPerRequest(ka[i-1]) {
			return missing(name, strings.Join(seen, ", ")+" connections per request: no fall from "+reuseName(ka[i-1])+" to "+reuseName(r), s.doKeepAlive())
		}
	}
	return ok(name, strings.Join(seen, ", ")+" connections per request")
}

func keepAliveUnlimited(s *state) Criterion {
	const name = "unlimited keep-alive opens one connection per worker"
	for _, r := range s.keepAlives() {
		if r.cfg.RequestsPerConn == 0 {
			detail := fmt.Sprintf("%s: %s connections for %d workers, %s requests", r.file, thousands(r.res.Totals.ConnectionsOpened), r.cfg.Concurrency, thousands(r.res.Totals.RequestsOK))
			if r.res.Totals.ConnectionsOpened > int64(r.cfg.Concurrency) || r.errors() > 0 {
				return missing(name, detail+": connections were replaced; is the server closing them?", s.doKeepAlive())
			}
			return ok(name, detail)
		}
	}
	return missing(name, "no keep-alive run with unlimited requests per connection (--requests-per-conn 0)", s.doKeepAlive())
}

// serverFirst are the runs whose server closed first (--await-close)
// without EADDRNOTAVAIL.
func (s *state) serverFirst() []run {
	return s.filter(func(r run) bool {
		return r.tcp() && r.cfg.Mode == loadgen.ModeNew && r.cfg.AwaitClose && r.cfg.Linger != 0 &&
			r.res.Totals.RequestsOK > 0 && r.errors() == 0
	})
}

func (s *state) doServerFirst() string {
	return either(`on the server VM: portlab echo --listen 0.0.0.0:7778 --close server; then on the client: sudo sysctl -w net.ipv4.ip_local_port_range="40000 40999"; `+drain+
		"; portlab load --target 192.168.56.11:7778 --mode new --await-close --duration 30s --out "+s.path("ex7.json"), s.scenario("server-closes-first"))
}

func serverClosedFirst(s *state) Criterion {
	const name = "the server closed first: an --await-close run without EADDRNOTAVAIL"
	sf := s.serverFirst()
	if len(sf) == 0 {
		return missing(name, "no --await-close run without EADDRNOTAVAIL in "+s.dir, s.doServerFirst())
	}
	return ok(name, fmt.Sprintf("%s: %s requests over %s connections, no EADDRNOTAVAIL", sf[0].file, thousands(sf[0].res.Totals.RequestsOK), thousands(sf[0].res.Totals.ConnectionsOpened)))
}

func moreConnectionsThanPorts(s *state) Criterion {
	const name = "more connections than the range has ports, so the client kept no TIME_WAIT"
	var candidates []run
	for _, r := range s.serverFirst() {
		if _, known := r.usable(); known && !r.reuseApplies() {
			candidates = append(candidates, r)
		}
	}
	if len(candidates) == 0 {
		return missing(name, "no --await-close run without EADDRNOTAVAIL whose range is recorded and where tcp_tw_reuse did not apply", s.doServerFirst())
	}
	for _, r := range candidates {
		if n, _ := r.usable(); r.res.Totals.ConnectionsOpened > int64(n) {
			return ok(name, fmt.Sprintf("%s: %s connections through %s", r.file, thousands(r.res.Totals.ConnectionsOpened), r.rangeText()))
		}
	}
	r := candidates[0]
	return missing(name, fmt.Sprintf("%s opened %s connections, no more than its %s: that proves nothing yet; narrow the range and run again",
		r.file, thousands(r.res.Totals.ConnectionsOpened), r.rangeText()), s.doServerFirst())
}

// httpPools are the HTTP keep-alive runs that read every body, so that only
// MaxIdleConnsPerHost decides which connections the Transport keeps.
func (s *state) httpPools() []run {
	return s.filter(func(r run) bool {
		return r.cfg.Protocol == loadgen.ProtocolHTTP && r.cfg.Mode == loadgen.ModeKeepAlive && !r.cfg.UnreadBody && r.res.Totals.RequestsOK > 0
	})
}

func maxIdle(r run) int {
	if r.cfg.MaxIdlePerHost > 0 {
		return r.cfg.MaxIdlePerHost
	}
	return http.DefaultMaxIdleConnsPerHost
}

func (s *state) doHTTP(idle int) string {
	flag := ""
	if idle > 0 {
		flag = fmt.Sprintf(" --max-idle-per-host %d", idle)
	}
	if idle == 0 {
		idle = http.DefaultMaxIdleConnsPerHost
	}
	return either(fmt.Sprintf("portlab load --protocol http --target http://192.168.56.11/ --payload 0 --concurrency 32%s --duration 20s --out %s",
		flag, s.path(fmt.Sprintf("ex10-idle%d.json", idle))), s.scenario("http-max-idle"))
}

func httpText(r run) string {
	return fmt.Sprintf("%s: MaxIdleConnsPerHost %d, %d workers: %s connections for %s requests",
		r.file, maxIdle(r), r.cfg.Concurrency, thousands(r.res.Totals.ConnectionsOpened), thousands(r.res.Totals.RequestsOK))
}

func defaultPoolChurns(s *state) Criterion {
	const name = "MaxIdleConnsPerHost below the workers churns connections"
	var small []run
	for _, r := range s.httpPools() {
		if maxIdle(r) < r.cfg.Concurrency {
			small = append(small, r)
		}
	}
	for _, r := range small {
		if r.res.Totals.ConnectionsOpened > 2*int64(r.cfg.Concurrency) {
			return ok(name, httpText(r))
		}
	}
	if len(small) > 0 {
		return missing(name, httpText(small[0])+": hardly more than one per worker; run longer or with more workers", s.doHTTP(0))
	}
	return missing(name, "no --protocol http run with --max-idle-per-host (default 2) below --concurrency", s.doHTTP(0))
}

func idlePoolKeeps(s *state) Criterion {
	const name = "MaxIdleConnsPerHost at the workers keeps their connections"
	var large []run
	for _, r := range s.httpPools() {
		if maxIdle(r) >= r.cfg.Concurrency {
			large = append(large, r)
		}
	}
	for _, r := range large {
		// A request that waits for a connection both dials and waits for
		// an idle one, and the Transport keeps whichever comes second: a
		// few workers get two. Servers close a kept-alive connection after
		// some requests (nginx's keepalive_requests: 1,000): allow one per
		// 500 more.
		if r.res.Totals.ConnectionsOpened <= 2*int64(r.cfg.Concurrency)+r.res.Totals.RequestsOK/500 && r.res.Totals.RequestsFailed == 0 {
			return ok(name, httpText(r))
		}
	}
	if len(large) > 0 {
		return missing(name, httpText(large[0])+": more than two per worker and one per 500 requests; did requests fail?", s.doHTTP(32))
	}
	return missing(name, "no --protocol http run with --max-idle-per-host at or above --concurrency", s.doHTTP(32))
}
