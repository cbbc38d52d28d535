package report

import (
	"strings"
	"testing"
	"time"
)

// TestPortsHeld: whose sockets a timeline counted decides how many of the
// client's ports a sample shows held.
func TestPortsHeld(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       Environment
		sockets   *Sockets
		want      sockets
		tw, est   int
		wantHeld  int
		clientsTW bool // the panel draws the client's TIME_WAIT
	}{
		// Two hosts: the client's table alone.
		{"two hosts", Environment{Netns: "sandbox", Topology: "two-hosts"}, &Sockets{TimeWaitClient: 900, TimeWaitServer: 50},
			socketsClient, 900, 16, 916, true},
		// Loopback, the client closes first: its TIME_WAIT, half the ESTABLISHED.
		{"loopback client", Environment{Netns: "sandbox", Topology: "loopback"}, &Sockets{TimeWaitClient: 1000},
			socketsLoopbackClientTW, 1000, 32, 1016, true},
		// Loopback, the server closes first: TIME_WAIT holds no client port.
		{"loopback server", Environment{Netns: "sandbox", Topology: "loopback"}, &Sockets{TimeWaitServer: 500},
			socketsLoopbackServerTW, 500, 32, 16, false},
		// Both sides held some: an upper bound.
		{"loopback mixed", Environment{Netns: "sandbox"}, &Sockets{TimeWaitClient: 10, TimeWaitServer: 20},
			socketsMixed, 30, 32, 46, false},
		{"host", Environment{Netns: "host"}, &Sockets{TimeWaitClient: 10},
			socketsHost, 30, 32, 62, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := steadyBursts(tc.name, 250*time.Millisecond, 8, 1, 100, tc.tw)
			r.Environment, r.Sockets = tc.env, tc.sockets
			r.Environment.IPLocalPortRange = [2]int{40000, 40999}
			for i := range r.Timeline {
				r.Timeline[i].Established = tc.est
			}
			if got := socketsOf(r); got != tc.want {
				t.Fatalf("socketsOf = %d, want %d", got, tc.want)
			}
			if got := tc.want.portsHeld(tc.tw, tc.est); got != tc.wantHeld {
				t.Errorf("portsHeld(%d, %d) = %d, want %d", tc.tw, tc.est, got, tc.wantHeld)
			}
			if got := tc.want.portsHeld(-1, tc.est); got != -1 {
				t.Errorf("an unread sample holds %d ports, want -1", got)
			}
			axis := newTimeAxis([]*Result{r})
			top, _ := axis.portPercentTop([]*Result{r})
			ch := axis.portChart(tc.name, r, top, 25)
			var names []string
			for _, s := range ch.Series {
				names = append(names, s.Name)
			}
			if got := strings.Contains(strings.Join(names, "|"), "client TIME_WAIT"); got != tc.clientsTW {
				t.Errorf("series %q: client TIME_WAIT drawn %v, want %v", names, got, tc.clientsTW)
			}
		})
	}
}

// TestPortChart: the default lab's exhaustion as the panel draws it. The
// line reaches 100% of the usable ports on the shared axis (a little
// above, from loopback's halved ESTABLISHED, stays on a 0–100% axis);
// errors are on their own axis; a NAT gateway's conntrack table is drawn
// as a share of its SNAT pool.
func TestPortChart(t *testing.T) {
	r := steadyBursts("new-conn", 250*time.Millisecond, 8, 1, 250, 1000)
	r.Environment = Environment{Netns: "sandbox", Topology: "loopback", IPLocalPortRange: [2]int{40000, 40999}}
	r.Prediction = &Prediction{UsablePorts: 1000, PortSpaces: 1}
	r.Sockets = &Sockets{TimeWaitClient: 1000, TargetPortsHeld: 1000}
	for i := range r.Timeline {
		r.Timeline[i].Established = 32
		r.Timeline[i].Errors["EADDRNOTAVAIL"] = 500
	}
	nat := steadyBursts("nat", 250*time.Millisecond, 8, 1, 250, 300)
	nat.Environment = Environment{Netns: "sandbox", Topology: "nat"}
	nat.Prediction = &Prediction{UsablePorts: 28232, PortSpaces: 1}
	nat.Gateway = &Gateway{SNATAddresses: []string{"198.19.0.1"}, PortMin: 1000, PortMax: 1999}
	for i := range nat.Timeline {
		nat.Timeline[i].Gateway = &GatewaySample{Entries: 400 * (i + 1)}
	}
	c, err := Compare([]*Result{r, nat}, 0)
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.htmlPage()
	if err != nil {
		t.Fatal(err)
	}
	if !page.Gateway || len(page.Ports) != 2 {
		t.Fatalf("%d port panels, gateway %v; want 2 and a gateway", len(page.Ports), page.Gateway)
	}
	// The gateway's 3,200 entries over a pool of 1,000 take the shared axis
	// to 400%, in steps of 100%.
	ch, gw := page.Ports[0], page.Ports[1]
	if top := ch.YTicks[len(ch.YTicks)-1].Label; top != "400%" {
		t.Errorf("shared axis top %s, want 400%%", top)
	}
	if got := ch.Y2Ticks[len(ch.Y2Ticks)-1].Label; got != "2k" {
		t.Errorf("errors/s axis top %s, want 2k (500 errors per 0.25 s)", got)
	}
	if want := "100% = 1000 usable ports"; ch.Subtitle != want {
		t.Errorf("subtitle %q, want %q", ch.Subtitle, want)
	}
	if want := "SNAT pool 1000 = 1 address × 1000 ports"; !strings.Contains(gw.Subtitle, want) {
		t.Errorf("gateway subtitle %q lacks %q", gw.Subtitle, want)
	}
	if last := gw.Series[len(gw.Series)-1]; last.Color != colorGateway || last.Path == "" {
		t.Errorf("the gateway panel's last series is %+v, want its conntrack line", last)
	}
	if len(ch.Dots) != 1 || ch.Dots[0].Y != ch.yScale(0, 400, false).pos(100) {
		t.Errorf("end dot %+v, want the 1000 ports held toward the target at 100%%", ch.Dots)
	}

	// Alone, the run's 1,016 ports (101.6%) keep the axis at 100%.
	axis := newTimeAxis([]*Result{r})
	if top, step := axis.portPercentTop([]*Result{r}); top != 100 || step != 25 {
		t.Errorf("axis top %v step %v, want 100 and 25", top, step)
	}
}

// TestPortChartSNATPool: the gateway's line is a share of the flows its
// pool holds for the load: times its destinations, and only the addresses
// the kernel's hash gave it, so a cure by more destinations does not look
// overfull, nor a hashed pair of addresses half empty.
func TestPortChartSNATPool(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		poolFlows    int64
		top, want    string
	}{
		{"one destination", "198.19.0.2:7777", 0, "400%", "SNAT pool 1000 = 1 address × 1000 ports"},
		{"two destinations", "198.19.0.2:7777,198.19.0.2:7778", 0, "175%", "SNAT pool 2000 = 1 address × 1000 ports × 2 destinations"},
		{"hashed addresses", "198.19.0.2:7777", 500, "800%", "SNAT pool 1000 = 1 address × 1000 ports, 500 by hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nat := steadyBursts("nat", 250*time.Millisecond, 8, 1, 250, 300)
			nat.Target = tc.target
			if nat.Config != nil {
				nat.Config.Target = tc.target
			}
			nat.Environment = Environment{Netns: "sandbox", Topology: "nat"}
			nat.Prediction = &Prediction{UsablePorts: 28232, PortSpaces: 1, SNATPoolFlows: tc.poolFlows}
			nat.Gateway = &Gateway{SNATAddresses: []string{"198.19.0.1"}, PortMin: 1000, PortMax: 1999}
			for i := range nat.Timeline {
				nat.Timeline[i].Gateway = &GatewaySample{Entries: 400 * (i + 1)}
			}
			c, err := Compare([]*Result{nat}, 0)
			if err != nil {
				t.Fatal(err)
			}
			page, err := c.htmlPage()
			if err != nil {
				t.Fatal(err)
			}
			gw := page.Ports[0]
			if top := gw.YTicks[len(gw.YTicks)-1].Label; top != tc.top {
				t.Errorf("axis top %s, want %s (3200 entries)", top, tc.top)
			}
			if !strings.Contains(gw.Subtitle, tc.want) {
				t.Errorf("subtitle %q lacks %q", gw.Subtitle, tc.want)
			}
		})
	}
}
