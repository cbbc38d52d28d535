package predict_test

import (
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/predict"
)

func TestFor(t *testing.T) {
	lab := predict.PortSettings{RangeLo: 40000, RangeHi: 40999, TwReuseDelay: time.Second}
	withReuse := func(v int) predict.PortSettings { ps := lab; ps.TwReuse = v; return ps }
	reserved := lab
	reserved.Reserved = [][2]int{{40100, 40199}, {50000, 50010}}
	srv := scenarios.LabServer(nil)
	serverCloses := scenarios.LabServer(func(c *echo.Config) { c.Close = echo.CloseServer })
	load := scenarios.LabLoad // its duration does not enter a prediction

	tests := []struct {
		name     string
		ps       predict.PortSettings
		srv      echo.Config
		load     loadgen.Config
		usable   int
		onset    int64
		holdS    float64
		perS     float64
		clientTW bool
	}{
		{"new conn, tw_reuse=0", lab, srv, load(nil), 1000, 1000, 60, 1000.0 / 60, true},
		{"reserved ports leave the range", reserved, srv, load(nil), 900, 900, 60, 900.0 / 60, true},
		{"tw_reuse=1 holds a port 1 s", withReuse(1), srv, load(nil), 1000, 1000, 1, 1000, true},
		{"tw_reuse=2 applies to loopback", withReuse(2), srv, load(nil), 1000, 1000, 1, 1000, true},
		{"tw_reuse=2 not beyond loopback", withReuse(2), srv, load(func(c *loadgen.Config) { c.Target = "198.18.0.2:7777" }), 1000, 1000, 60, 1000.0 / 60, true},
		{"source IPs multiply the ports", lab, srv, load(func(c *loadgen.Config) { c.SourceIPs = []string{"127.0.0.2", "127.0.0.3"} }), 1000, 2000, 60, 2000.0 / 60, true},
		{"pool", lab, srv, load(func(c *loadgen.Config) { c.Mode = loadgen.ModePool }), 1000, 0, 60, 1000.0 / 60, true},
		{"keep-alive without limit", lab, srv, load(func(c *loadgen.Config) { c.Mode = loadgen.ModeKeepAlive }), 1000, 0, 60, 1000.0 / 60, true},
		{"keep-alive with limit still churns", lab, srv, load(func(c *loadgen.Config) { c.Mode, c.RequestsPerConn = loadgen.ModeKeepAlive, 10 }), 1000, 1000, 60, 1000.0 / 60, true},
		{"SO_LINGER 0 leaves no TIME_WAIT", lab, srv, load(func(c *loadgen.Config) { c.Linger = 0 }), 1000, 0, 0, 0, false},
		{"server closes first", lab, serverCloses, load(func(c *loadgen.Config) { c.AwaitClose = true }), 1000, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := predict.For(tt.ps, tt.srv, tt.load)
			if p.UsablePorts != tt.usable || p.OnsetAfterConnections != tt.onset || p.HoldS != tt.holdS ||
				p.ClientTimeWait != tt.clientTW || !near(p.SustainableConnectionsPerS, tt.perS) {
				t.Errorf("For = usable %d onset %d hold %g sustainable %g clientTW %v; want %d %d %g %g %v\nwhy: %s",
					p.UsablePorts, p.OnsetAfterConnections, p.HoldS, p.SustainableConnectionsPerS, p.ClientTimeWait,
					tt.usable, tt.onset, tt.holdS, tt.perS, tt.clientTW, p.Why)
			}
			if p.Why == "" {
				t.Error("prediction gives no reason")
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestSteadyConnectionsPerS(t *testing.T) {
	// The sawtooth of tcp_tw_reuse=1: 1,000 ports come back once a second.
	res := &report.Result{
		Onset:      map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.12}},
		Prediction: &report.Prediction{HoldS: 1},
	}
	bursts := map[int]int64{0: 1000, 4: 999, 5: 1, 8: 987, 9: 13, 12: 978, 13: 22}
	for i := 0; i < 16; i++ {
		res.Timeline = append(res.Timeline, report.Interval{TS: float64(i+1) * 0.25, ConnectionsOpened: bursts[i]})
	}
	got, ok := predict.SteadyConnectionsPerS(res)
	if !ok || got != 1000 {
		t.Errorf("SteadyConnectionsPerS = %g, %v; want 1000 over the three whole seconds after the first", got, ok)
	}
	res.Timeline = res.Timeline[:6]
	if _, ok := predict.SteadyConnectionsPerS(res); ok {
		t.Error("a run shorter than one period after onset gave a steady rate")
	}
}
