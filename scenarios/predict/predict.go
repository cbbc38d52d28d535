package predict

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/ports"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// PortSettings are the namespace's sysctls that decide port exhaustion.
type PortSettings struct {
	RangeLo, RangeHi int
	Reserved         [][2]int
	TwReuse          int
	// TwReuseDelay is how long after its last packet a TIME_WAIT port may
	// be reused (tcp_tw_reuse_delay, Linux 6.14+; 1 s before, fixed).
	TwReuseDelay time.Duration
}

// TimeWaitLen is Linux's TIME_WAIT duration, TCP_TIMEWAIT_LEN: fixed at
// compile time, and not changed by tcp_fin_timeout.
const TimeWaitLen = 60 * time.Second

// ReadPortSettings reads the PortSettings of the calling thread's network
// namespace; a sysctl it cannot read keeps its zero value (the delay, 1 s).
func ReadPortSettings() PortSettings {
	ps := PortSettings{TwReuseDelay: time.Second}
	if lp, err := ports.ReadLocalPorts(); err == nil {
		ps.RangeLo, ps.RangeHi, ps.Reserved = lp.Lo, lp.Hi, lp.Reserved
	}
	ps.TwReuse, _ = sysctl.ReadInt("net.ipv4.tcp_tw_reuse")
	if ms, err := sysctl.ReadInt("net.ipv4.tcp_tw_reuse_delay"); err == nil {
		ps.TwReuseDelay = time.Duration(ms) * time.Millisecond
	}
	return ps
}

// For says what the kernel's rules make of a run before it starts.
func For(ps PortSettings, srv echo.Config, load loadgen.Config) report.Prediction {
	sources, destinations := max(1, len(load.SourceIPs)), len(load.Targets())
	p := report.Prediction{
		UsablePorts: ps.RangeHi - ps.RangeLo + 1 - ports.ReservedInRange(ps.RangeLo, ps.RangeHi, ps.Reserved),
		PortSpaces:  sources * destinations,
		OnsetClass:  "EADDRNOTAVAIL",
	}
	var why []string
	bindFirst := len(load.SourceIPs) > 0 && !load.BindNoPort && load.Protocol != loadgen.ProtocolUDP
	if bindFirst {
		// bind() picks the port before the destination is known, so
		// destinations do not multiply the ports, and it fails first.
		p.PortSpaces, p.OnsetClass = sources, "EADDRINUSE"
		why = append(why, "bind() before connect() picks each port without knowing the destination: ports are per source address only, and bind fails with EADDRINUSE")
	}
	capacity := int64(p.UsablePorts) * int64(p.PortSpaces)

	if load.Protocol == loadgen.ProtocolUDP {
		return forUDP(p, load, capacity, why)
	}

	switch {
	case load.Linger == 0:
		why = append(why, "SO_LINGER 0: close() sends RST, so no TIME_WAIT is left on the client")
	case srv.Close == echo.CloseServer && (load.AwaitClose || load.Protocol == loadgen.ProtocolHTTP):
		why = append(why, "the server closes first, so TIME_WAIT stays on the server's side (its listening port is no ephemeral port)")
	case load.Protocol == loadgen.ProtocolHTTP && load.Mode == loadgen.ModeNew:
		why = append(why, "HTTP without keep-alive: every response carries Connection: close and the server closes first, so TIME_WAIT stays mostly on the server's side")
	default:
		p.ClientTimeWait = true
	}
	if !p.ClientTimeWait {
		p.Why = strings.Join(why, "; ")
		return p
	}

	p.HoldS = TimeWaitLen.Seconds()
	reuse := ps.TwReuse == 1 || (ps.TwReuse == 2 && isLoopback(load.Targets()[0]))
	if reuse {
		p.HoldS = ps.TwReuseDelay.Seconds()
		why = append(why, fmt.Sprintf("tcp_tw_reuse=%d lets connect() reuse a TIME_WAIT port %s after its last packet", ps.TwReuse, ps.TwReuseDelay))
	} else {
		why = append(why, "each closed connection holds its port in TIME_WAIT for 60 s (tcp_fin_timeout does not change that)")
	}
	p.SustainableConnectionsPerS = float64(capacity) / p.HoldS
	why = append(why, fmt.Sprintf("%d usable ports x %d port spaces / %gs hold = %.0f connections/s sustainable",
		p.UsablePorts, p.PortSpaces, p.HoldS, p.SustainableConnectionsPerS))

	why = append(why, churn(&p, load, capacity)...)
	p.Why = strings.Join(why, "; ")
	return p
}

// forUDP finishes a UDP prediction: a connected UDP socket holds its port
// only while it is open.
func forUDP(p report.Prediction, load loadgen.Config, capacity int64, why []string) report.Prediction {
	p.OnsetClass = "EAGAIN"
	if load.Hold && load.Mode == loadgen.ModeNew {
		p.OnsetAfterConnections = capacity
		why = append(why, fmt.Sprintf("every request holds a connected UDP socket open: connect() fails with EAGAIN after about %d sockets", capacity))
	} else {
		why = append(why, "a UDP socket frees its port at close (there is no TIME_WAIT): no exhaustion unless sockets are held open")
	}
	p.Why = strings.Join(why, "; ")
	return p
}

// churn says whether the load opens connections faster than TIME_WAIT
// frees their ports, and sets the onset if so.
func churn(p *report.Prediction, load loadgen.Config, capacity int64) []string {
	exhausts := func(what string) []string {
		p.OnsetAfterConnections = capacity
		return []string{fmt.Sprintf("%s: %s after about %d connections if they come faster than that", what, p.OnsetClass, capacity)}
	}
	switch {
	case load.Protocol == loadgen.ProtocolHTTP && load.UnreadBody:
		return exhausts("an unread response body keeps the Transport from reusing the connection, so every request opens one")
	case load.Protocol == loadgen.ProtocolHTTP && max(load.MaxIdlePerHost, http.DefaultMaxIdleConnsPerHost) < load.Concurrency:
		return exhausts(fmt.Sprintf("the Transport keeps only %d idle connections per host (MaxIdleConnsPerHost) for %d concurrent requests, so most requests open a new one",
			max(load.MaxIdlePerHost, http.DefaultMaxIdleConnsPerHost), load.Concurrency))
	case load.Protocol == loadgen.ProtocolHTTP:
		return []string{"MaxIdleConnsPerHost covers the concurrency: the Transport reuses its connections, no exhaustion"}
	case load.Mode == loadgen.ModeNew:
		return exhausts("a new connection per request")
	case load.Mode == loadgen.ModePool:
		return []string{"a pool opens only its own connections: no exhaustion"}
	case load.RequestsPerConn > 0:
		return exhausts(fmt.Sprintf("keep-alive divides the churn by %d (exhaustion only above %.0f requests/s)",
			load.RequestsPerConn, p.SustainableConnectionsPerS*float64(load.RequestsPerConn)))
	default:
		return []string{"keep-alive without a limit opens one connection per worker: no exhaustion"}
	}
}

func isLoopback(target string) bool {
	ap, err := netip.ParseAddrPort(target)
	return err == nil && ap.Addr().IsLoopback()
}

// Check compares a prediction with the measurement.
func Check(p report.Prediction, res *report.Result) []report.Check {
	var out []report.Check
	add := func(name string, predicted, measured float64) {
		c := report.Check{Name: name, Predicted: predicted, Measured: measured}
		if predicted != 0 {
			c.Ratio = measured / predicted
		}
		out = append(out, c)
	}
	onset, exhausted := res.Onset[p.OnsetClass]
	if p.OnsetAfterConnections > 0 && exhausted {
		add("onset_after_connections", float64(p.OnsetAfterConnections), float64(onset.ConnectionsBefore))
	}
	if p.OnsetAfterConnections == 0 {
		add("eaddrnotavail", 0, float64(res.Errors["EADDRNOTAVAIL"]))
	}
	if p.HoldS > 0 && p.HoldS < TimeWaitLen.Seconds() && exhausted {
		if rate, ok := SteadyConnectionsPerS(res); ok {
			add("sustained_connections_per_s", p.SustainableConnectionsPerS, rate)
		}
	}
	return out
}

// SteadyConnectionsPerS is the connection rate once exhaustion set in and
// reused ports came back: measured over whole hold times (reuse comes in
// bursts one hold time apart), from one hold time after the interval of
// the onset. ok is false when the run was too short to show one period.
func SteadyConnectionsPerS(res *report.Result) (float64, bool) {
	onset, ok := res.Onset["EADDRNOTAVAIL"]
	if !ok || res.Prediction == nil || res.Prediction.HoldS <= 0 || len(res.Timeline) == 0 {
		return 0, false
	}
	every := res.Timeline[0].TS
	hold := res.Prediction.HoldS
	from := math.Floor(onset.AtS/every)*every + hold
	end := res.Timeline[len(res.Timeline)-1].TS
	periods := math.Floor((end - from + every/4) / hold)
	if periods < 1 {
		return 0, false
	}
	to := from + periods*hold
	var conns int64
	prev := 0.0
	for _, iv := range res.Timeline {
		start := prev
		prev = iv.TS
		if start >= from-every/4 && start < to-every/4 {
			conns += iv.ConnectionsOpened
		}
	}
	return float64(conns) / (periods * hold), true
}
