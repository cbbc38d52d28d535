package labreport

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/predict"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// Compare lines the lab's runs up against its first, with the lab's
// diagnosis attached: what every report format of portlab run shows.
func Compare(lab *sandbox.Lab) (*report.Comparison, error) {
	cmp, err := report.Compare(lab.Results, 0)
	if err != nil {
		return nil, err
	}
	cmp.Diagnosis = Diagnosis(lab)
	return cmp, nil
}

// Diagnosis explains the lab's outcome: the cause of any exhaustion with
// its fix, then each run's lesson and measured effect, from the results
// alone.
func Diagnosis(lab *sandbox.Lab) *report.Diagnosis {
	return diagnose(lab.Results, func(r *report.Result) string {
		if run := lab.Scenario.Run(r.Label); run != nil {
			return run.Lesson
		}
		return ""
	})
}

// DiagnoseResults is Diagnosis for results without their scenario (portlab
// report, portlab load): the same rules, no lessons.
func DiagnoseResults(results []*report.Result) *report.Diagnosis {
	return diagnose(results, func(*report.Result) string { return "" })
}

// Diagnose is the lab's diagnosis as text lines (report.Diagnosis.Lines).
func Diagnose(lab *sandbox.Lab) []string { return Diagnosis(lab).Lines() }

// rules find one cause each, in the first run that shows it.
var rules = []func(*report.Result) *report.Finding{timeWaitCause, udpCause, bindCause, snatCause}

func diagnose(results []*report.Result, lesson func(*report.Result) string) *report.Diagnosis {
	d := &report.Diagnosis{Findings: []report.Finding{}}
	for _, rule := range rules {
		for _, r := range results {
			if f := rule(r); f != nil {
				d.Findings = append(d.Findings, *f)
				break
			}
		}
	}
	for _, r := range results {
		d.Runs = append(d.Runs, report.RunEffect{Run: r.Label, Lesson: lesson(r), Measured: measuredEffect(r)})
	}
	return d
}

// timeWaitCause explains a run that ran out of ports to TIME_WAIT.
func timeWaitCause(r *report.Result) *report.Finding {
	if r.Errors["EADDRNOTAVAIL"] == 0 {
		return nil
	}
	e := r.Environment
	n := e.IPLocalPortRange[1] - e.IPLocalPortRange[0] + 1
	held := "Most"
	if s := r.Sockets; s != nil {
		held = fmt.Sprintf("%d", s.TimeWaitClient)
	}
	o := r.Onset["EADDRNOTAVAIL"]
	f := &report.Finding{Run: r.Label,
		Cause: fmt.Sprintf("connect() failed with EADDRNOTAVAIL (\"cannot assign requested address\") %.3fs into the run, after %d connections:",
			o.AtS, o.ConnectionsBefore),
		Why: []string{
			heldPorts(r, held, n),
			"TIME_WAIT lasts 60 s on Linux (TCP_TIMEWAIT_LEN); tcp_fin_timeout does not change it.",
			"A local port is unique per (source IP, destination IP:port): more source IPs or destinations multiply the ports.",
		}}
	if why, fix := httpCause(r); why != nil {
		f.Why, f.Fix = append(f.Why, why...), fix
	} else {
		f.Fix = tcpFix(r)
	}
	return f
}

// heldPorts says how many of the client's ports TIME_WAIT held: the n
// ports of the range once per (source, destination) pair, so with more
// pairs than one the count is of the pairs' ports together.
func heldPorts(r *report.Result, held string, n int) string {
	lo, hi := r.Environment.IPLocalPortRange[0], r.Environment.IPLocalPortRange[1]
	spaces, pairs := r.Destinations(), "destinations"
	if p := r.Prediction; p != nil && p.PortSpaces > spaces {
		spaces, pairs = p.PortSpaces, "(source IP, destination) pairs"
	} else if c := loadOf(r); c != nil && len(c.SourceIPs) > 1 {
		spaces, pairs = len(c.SourceIPs)*spaces, "(source IP, destination) pairs"
	}
	s := fmt.Sprintf("%s of the %d ports of %d-%d toward %s were held in TIME_WAIT by the client, which closed first.",
		held, n, lo, hi, r.Target)
	if spaces > 1 {
		s = fmt.Sprintf("%s of the %d ports the client had (%d-%d once for each of its %d %s) were held in TIME_WAIT by the client, which closed first.",
			held, n*spaces, lo, hi, spaces, pairs)
	}
	if c := r.Config; c != nil && len(c.Merged) > 1 {
		s += fmt.Sprintf(" (A merge of %d clients: each on a host of its own has these ports.)", len(c.Merged))
	}
	return s
}

// tcpFix says what would have kept a TCP load clear of EADDRNOTAVAIL, by
// how it used its connections; nothing for other protocols.
func tcpFix(r *report.Result) []string {
	c := loadOf(r)
	if c == nil || protocolOf(r) != loadgen.ProtocolTCP {
		return nil
	}
	switch {
	case c.Mode == config.ModeNew:
		return []string{"reuse connections (--mode pool or --mode keepalive)",
			"let the server close first (echo --close server), so the TIME_WAIT stays on its side",
			"tcp_tw_reuse=1 lets connect() take a TIME_WAIT port 1 s after its last packet"}
	case c.Mode == config.ModeKeepAlive && c.RequestsPerConn > 0:
		return []string{fmt.Sprintf("more requests per connection than --requests-per-conn %d, or none (unlimited)", c.RequestsPerConn)}
	}
	return nil
}

// udpCause explains a UDP run whose connect() met EAGAIN.
func udpCause(r *report.Result) *report.Finding {
	o, ok := r.Onset["EAGAIN"]
	if !ok || protocolOf(r) != loadgen.ProtocolUDP {
		return nil
	}
	return &report.Finding{Run: r.Label,
		Cause: fmt.Sprintf("a UDP connect() failed with EAGAIN (\"resource temporarily unavailable\") %.3fs into the run, after %d sockets:",
			o.AtS, o.ConnectionsBefore),
		Why: []string{"Every port of the range was held by a connected UDP socket still open.",
			"UDP has no TIME_WAIT: a closed socket frees its port at once, so this is sockets held open (leaked), and Linux reports it as EAGAIN, not EADDRNOTAVAIL."},
		Fix: []string{"close each UDP socket when its exchange is done, or send over one socket per destination"}}
}

// bindCause explains a run whose bind() before connect() met EADDRINUSE.
func bindCause(r *report.Result) *report.Finding {
	o, ok := r.Onset["EADDRINUSE"]
	if !ok {
		return nil
	}
	return &report.Finding{Run: r.Label,
		Cause: fmt.Sprintf("bind() failed with EADDRINUSE (\"address already in use\") %.3fs into the run, after %d connections:",
			o.AtS, o.ConnectionsBefore),
		Why: []string{"Binding a source address before connect() makes bind() pick the port without knowing the destination, so it cannot share a port across 4-tuples and skips every port held in TIME_WAIT."},
		Fix: []string{"IP_BIND_ADDRESS_NO_PORT (--bind-no-port) leaves the port to connect()"}}
}

// httpCause names the HTTP client setting behind an exhaustion, and its fix.
func httpCause(r *report.Result) (why, fix []string) {
	if protocolOf(r) != loadgen.ProtocolHTTP {
		return nil, nil
	}
	c := loadOf(r)
	if c.UnreadBody {
		return []string{"The HTTP client closed each response body unread: the Transport cannot reuse such a connection, so every request opened a new one."},
			[]string{"read the body to EOF (io.Copy(io.Discard, resp.Body)) before Close"}
	}
	idle := c.MaxIdlePerHost
	if idle == 0 {
		idle = http.DefaultMaxIdleConnsPerHost
	}
	if idle < c.Concurrency {
		return []string{
				fmt.Sprintf("The HTTP client's Transport keeps only MaxIdleConnsPerHost = %d idle connections per host for %d concurrent requests: a connection freed while that many sit idle is closed, as happens whenever responses finish in parallel.", idle, c.Concurrency)},
			[]string{"set MaxIdleConnsPerHost to the concurrency"}
	}
	return nil, nil
}

// protocolOf is the protocol a result's load spoke.
func protocolOf(r *report.Result) loadgen.Protocol {
	if c := loadOf(r); c != nil && c.Protocol != "" {
		return c.Protocol
	}
	return loadgen.ProtocolTCP
}

// ownConnsClosedAtEnd reports whether r's client TIME_WAIT is no more than
// the connections a reusing load (pool, keep-alive) opened: those it
// closed when the run ended, not churn, though a lesson says none wait.
func ownConnsClosedAtEnd(r *report.Result) bool {
	c, s := loadOf(r), r.Sockets
	if c == nil || s == nil || s.TimeWaitClient == 0 || (c.Mode != config.ModePool && c.Mode != config.ModeKeepAlive) {
		return false
	}
	return int64(s.TimeWaitClient) <= r.Totals.ConnectionsOpened
}

// loadOf is the load r ran: its own, or for a merge (shards, clients
// behind one gateway) its first input's when every input used its
// connections the same way, so that a merge's diagnosis names the fix
// too; nil when the result does not say.
func loadOf(r *report.Result) *config.Load {
	if r.Config == nil {
		return nil
	}
	inputs := r.Config.Merged
	if inputs == nil {
		return &r.Config.Load
	}
	if len(inputs) == 0 {
		return nil
	}
	for _, in := range inputs {
		if in == nil || in.Merged != nil || in.Protocol != inputs[0].Protocol || in.Mode != inputs[0].Mode ||
			in.RequestsPerConn != inputs[0].RequestsPerConn {
			return nil
		}
	}
	return &inputs[0].Load
}

// measuredEffect is what a run measured, in one line of words.
func measuredEffect(r *report.Result) string {
	conns := "connections"
	if r.Totals.ConnectionsOpened == 1 {
		conns = "connection"
	}
	parts := []string{fmt.Sprintf("%d requests ok over %d %s (%.0f req/s)",
		r.Totals.RequestsOK, r.Totals.ConnectionsOpened, conns, r.Throughput.RequestsPerS)}
	if len(r.Errors) == 0 {
		parts = append(parts, "no errors")
	}
	for _, class := range report.SortedClasses(r.Errors) {
		name := class
		if class == "timeout" { // portlab's own class, not a kernel errno
			name = "connect timeouts"
		}
		s := fmt.Sprintf("%d %s", r.Errors[class], name)
		if o, ok := r.Onset[class]; ok {
			s += fmt.Sprintf(" from %.3f s on", o.AtS)
		}
		parts = append(parts, s)
	}
	if rate, ok := predict.SteadyConnectionsPerS(r); ok {
		parts = append(parts, fmt.Sprintf("then a steady %.0f connections/s", rate))
	}
	if s := r.Sockets; s != nil {
		side := "side"
		if r.Environment.Topology == string(scenarios.TwoHosts) {
			side = "host"
		}
		tw := fmt.Sprintf("TIME_WAIT at the end: %d client %s, %d server %s", s.TimeWaitClient, side, s.TimeWaitServer, side)
		if ownConnsClosedAtEnd(r) {
			tw += " (its own connections, closed as the run ended)"
		}
		parts = append(parts, tw)
	}
	if g := gatewayEffect(r); g != "" {
		parts = append(parts, g)
	}
	if p := r.ListenProbe; p != nil {
		if p.OK {
			parts = append(parts, fmt.Sprintf("a server could then bind %s", p.Addr))
		} else {
			parts = append(parts, fmt.Sprintf("a server could then NOT bind %s: %s", p.Addr, p.Error))
		}
	}
	return strings.Join(parts, "; ")
}
