package scenarios

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/ports"
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

func readSandbox() PortSettings {
	ps := PortSettings{TwReuseDelay: time.Second}
	if s, err := netns.ReadSysctl("net.ipv4.ip_local_port_range"); err == nil {
		if f := strings.Fields(s); len(f) == 2 {
			ps.RangeLo, _ = strconv.Atoi(f[0])
			ps.RangeHi, _ = strconv.Atoi(f[1])
		}
	}
	if s, err := netns.ReadSysctl("net.ipv4.ip_local_reserved_ports"); err == nil {
		ps.Reserved, _ = ports.ParseReserved(s)
	}
	if s, err := netns.ReadSysctl("net.ipv4.tcp_tw_reuse"); err == nil {
		ps.TwReuse, _ = strconv.Atoi(s)
	}
	if s, err := netns.ReadSysctl("net.ipv4.tcp_tw_reuse_delay"); err == nil {
		if ms, err := strconv.Atoi(s); err == nil {
			ps.TwReuseDelay = time.Duration(ms) * time.Millisecond
		}
	}
	return ps
}

// Predict says what the kernel's rules make of a run before it starts.
func Predict(ps PortSettings, srv echo.Config, load loadgen.Config) report.Prediction {
	p := report.Prediction{
		UsablePorts: ps.RangeHi - ps.RangeLo + 1 - ports.ReservedInRange(ps.RangeLo, ps.RangeHi, ps.Reserved),
		PortSpaces:  max(1, len(load.SourceIPs)),
	}
	var why []string
	switch {
	case load.Linger == 0:
		why = append(why, "SO_LINGER 0: close() sends RST, so no TIME_WAIT is left on the client")
	case srv.Close == echo.CloseServer && load.AwaitServerClose:
		why = append(why, "the server closes first, so TIME_WAIT stays on the server's side (its port 7777 is no ephemeral port)")
	default:
		p.ClientTimeWait = true
	}
	capacity := int64(p.UsablePorts) * int64(p.PortSpaces)
	if !p.ClientTimeWait {
		p.Why = strings.Join(why, "; ")
		return p
	}

	p.HoldS = TimeWaitLen.Seconds()
	reuse := ps.TwReuse == 1 || (ps.TwReuse == 2 && isLoopback(load.Target))
	if reuse {
		p.HoldS = ps.TwReuseDelay.Seconds()
		why = append(why, fmt.Sprintf("tcp_tw_reuse=%d lets connect() reuse a TIME_WAIT port %s after its last packet", ps.TwReuse, ps.TwReuseDelay))
	} else {
		why = append(why, "each closed connection holds its port in TIME_WAIT for 60 s (tcp_fin_timeout does not change that)")
	}
	p.SustainableConnectionsPerS = float64(capacity) / p.HoldS
	why = append(why, fmt.Sprintf("%d usable ports x %d (source, destination) pairs / %gs hold = %.0f connections/s sustainable",
		p.UsablePorts, p.PortSpaces, p.HoldS, p.SustainableConnectionsPerS))

	switch load.Mode {
	case loadgen.ModeNew:
		// Every request opens a connection; faster than the ports free up,
		// the range runs dry after about as many connections as it has.
		p.OnsetAfterConnections = capacity
		why = append(why, fmt.Sprintf("a new connection per request: EADDRNOTAVAIL after about %d connections if they come faster than that", capacity))
	case loadgen.ModePool:
		why = append(why, "a pool opens only its own connections: no exhaustion")
	case loadgen.ModeKeepAlive:
		if load.RequestsPerConn > 0 {
			p.OnsetAfterConnections = capacity
			why = append(why, fmt.Sprintf("keep-alive divides the churn by %d: EADDRNOTAVAIL after about %d connections, but only above %.0f requests/s",
				load.RequestsPerConn, capacity, p.SustainableConnectionsPerS*float64(load.RequestsPerConn)))
		} else {
			why = append(why, "keep-alive without a limit opens one connection per worker: no exhaustion")
		}
	}
	p.Why = strings.Join(why, "; ")
	return p
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
	onset, exhausted := res.Onset["EADDRNOTAVAIL"]
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
