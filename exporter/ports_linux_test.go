package exporter

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
)

func TestMain(m *testing.M) { testsupport.Main(m) }

// scrape gathers c through a pedantic registry (which fails on a metric
// that does not match its description) and returns every sample as
// `name{label="value",...}` -> value.
func scrape(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(ls)
			key := mf.GetName()
			if len(ls) > 0 {
				key += "{" + strings.Join(ls, ",") + "}"
			}
			out[key] = m.GetGauge().GetValue()
		}
	}
	return out
}

// churn opens and closes n connections to addr: this side closes first,
// so each leaves a TIME_WAIT (or, briefly, FIN_WAIT2) socket here.
func churn(t *testing.T, addr string, n int) {
	t.Helper()
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %s #%d: %v", addr, i, err)
		}
		c.Close()
	}
}

// TestPortsCollectorInNamespace churns toward three destinations in a
// namespace with a 1,000-port range, 10 of them reserved and a listener
// inside it, and checks the exported series against those facts: the
// range, the busiest destinations by name with the rest as "other", the
// usage ratio, and growth and forecast from the second scrape on.
func TestPortsCollectorInNamespace(t *testing.T) {
	netnstest.Run(t, map[string]string{
		"net.ipv4.ip_local_port_range":     "40000 40999",
		"net.ipv4.ip_local_reserved_ports": "40900-40909",
		"net.ipv4.tcp_tw_reuse":            "0",
	}, func(t *testing.T) {
		dests := []string{"127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"}
		for _, a := range append(slices.Clone(dests), "127.0.0.1:40500") {
			ln, err := net.Listen("tcp", a)
			if err != nil {
				t.Fatal(err)
			}
			testsupport.Drain(t, ln)
		}
		churn(t, dests[0], 300)
		churn(t, dests[1], 20)
		churn(t, dests[2], 10)
		c := NewPortsCollector(2)
		first := scrape(t, c)
		checkFirstScrape(t, first, dests)

		churn(t, dests[0], 400) // 700 of 990: warn
		second := scrape(t, c)
		d0 := fmt.Sprintf("{destination=%q}", dests[0])
		if got := second["portlab_ports_used"+d0]; got < 700*97/100 || got > 700 {
			t.Errorf("used%s = %v after 700 connections, want about 700", d0, got)
		}
		if r := second["portlab_ports_usage_ratio"+d0]; r < 0.6 || r >= 0.8 {
			t.Errorf("usage_ratio%s = %v, want the warn band [0.6, 0.8)", d0, r)
		}
		if g, ok := second["portlab_ports_growth_per_second"+d0]; !ok || g <= 0 {
			t.Errorf("growth_per_second%s = %v (present %v), want > 0", d0, g, ok)
		}
		if f, ok := second["portlab_ports_exhaustion_forecast_seconds"+d0]; !ok || f <= 0 {
			t.Errorf("exhaustion_forecast_seconds%s = %v (present %v), want > 0", d0, f, ok)
		}
	})
}

func checkFirstScrape(t *testing.T, m map[string]float64, dests []string) {
	t.Helper()
	for k, want := range map[string]float64{
		"portlab_ports_range_size":                                     1000,
		"portlab_ports_reserved_in_range":                              10,
		"portlab_ports_usable":                                         990,
		"portlab_ports_tcp_tw_reuse":                                   0,
		"portlab_ports_listeners_in_range":                             1,
		"portlab_ports_listener_in_range{address=\"127.0.0.1:40500\"}": 1,
		"portlab_ports_scrape_error":                                   0,
	} {
		if got, ok := m[k]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	if m["portlab_ports_destinations"] < 3 {
		t.Errorf("destinations = %v, want >= 3", m["portlab_ports_destinations"])
	}
	for i, d := range dests {
		l := fmt.Sprintf("{destination=%q}", d)
		_, named := m["portlab_ports_used"+l]
		if named != (i < 2) {
			t.Errorf("destination %s named %v, want %v (top 2)", d, named, i < 2)
		}
	}
	d0 := fmt.Sprintf("{destination=%q}", dests[0])
	// Each closed socket is somewhere between FIN_WAIT1 and TIME_WAIT.
	if s := sumInUse(m, dests[0]); s != 300 || m["portlab_ports_time_wait"+d0] == 0 {
		t.Errorf("in_use toward %s sums to %v, time_wait %v; want 300 and > 0", dests[0], s, m["portlab_ports_time_wait"+d0])
	}
	if got := m["portlab_ports_usage_ratio"+d0]; got != m["portlab_ports_used"+d0]/990 {
		t.Errorf("usage_ratio%s = %v, want used/990 = %v", d0, got, m["portlab_ports_used"+d0]/990)
	}
	if other := sumInUse(m, Other); other < 10 {
		t.Errorf("in_use{destination=\"other\"} sums to %v, want >= 10 (the third destination)", other)
	}
	if _, ok := m["portlab_ports_growth_per_second"+d0]; ok {
		t.Errorf("growth_per_second%s on the first scrape, want none before a second", d0)
	}
}

// sumInUse adds the in_use series of destination over every state.
func sumInUse(m map[string]float64, destination string) float64 {
	prefix := fmt.Sprintf("portlab_ports_in_use{destination=%q,", destination)
	sum := 0.0
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			sum += v
		}
	}
	return sum
}

// TestPortsCollectorLint checks the metric names and help against
// Prometheus' conventions.
func TestPortsCollectorLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(NewPortsCollector(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
