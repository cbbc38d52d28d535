package exporter

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portlab/portlab/internal/ports"
)

// Other is the destination label of the destinations beyond the top N.
const Other = "other"

var (
	labelsDest      = []string{"destination"}
	labelsDestState = []string{"destination", "state"}

	descRange     = desc("range_size", "Ports in the ephemeral range (ip_local_port_range).")
	descReserved  = desc("reserved_in_range", "Reserved ports inside the ephemeral range (ip_local_reserved_ports).")
	descUsable    = desc("usable", "Ports connect() can pick from toward each destination: the range less the reserved ones.")
	descTwReuse   = desc("tcp_tw_reuse", "net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 loopback only.")
	descDests     = desc("destinations", "Destinations (remote IP:port) toward which ports of the range are held.")
	descUsed      = desc("used", "Distinct local ports of the range held toward the destination (top N destinations).", labelsDest...)
	descRatio     = desc("usage_ratio", "Ports used toward the destination over the usable ports (warn at 0.6, critical at 0.8).", labelsDest...)
	descInUse     = desc("in_use", "Sockets toward the destination by TCP state; each holds a local port (top N destinations plus \"other\").", labelsDestState...)
	descTimeWait  = desc("time_wait", "Sockets in TIME_WAIT toward the destination: this host closed first (top N plus \"other\").", labelsDest...)
	descGrowth    = desc("growth_per_second", "Change of the ports used toward the destination per second since the previous scrape.", labelsDest...)
	descForecast  = desc("exhaustion_forecast_seconds", "Seconds until the destination's usable ports run out at the growth since the previous scrape; absent when not growing.", labelsDest...)
	descListeners = desc("listeners_in_range", "Listening sockets on unreserved ports inside the ephemeral range: a client may take the port while the server is down.")
	descListener  = desc("listener_in_range", "A listening socket inside the ephemeral range, by address (1; at most N of them).", "address")
	descDuration  = desc("scrape_duration_seconds", "Time this scrape took to read the range and dump the sockets.")
	descError     = desc("scrape_error", "1 if this scrape could not read the sockets or the range, else 0.")
)

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("portlab_ports_"+name, help, labels, nil)
}

// PortsCollector collects the host's ephemeral-port usage on every scrape.
// Scrapes are serialised: each compares with the one before for the growth
// and forecast.
type PortsCollector struct {
	top int

	mu sync.Mutex
	w  ports.Watcher
}

// NewPortsCollector returns a collector that names the top busiest
// destinations (top >= 1) and folds the rest into "other".
func NewPortsCollector(top int) *PortsCollector {
	return &PortsCollector{top: max(top, 1), w: ports.Watcher{SkipOwners: true}}
}

// Describe sends every metric's description.
func (c *PortsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRange, descReserved, descUsable, descTwReuse, descDests, descUsed, descRatio,
		descInUse, descTimeWait, descGrowth, descForecast, descListeners, descListener, descDuration, descError} {
		ch <- d
	}
}

// Collect samples the sockets and sends the metrics. A failed sample
// still sends scrape_error 1 and the duration, so the failure is seen.
func (c *PortsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	r, err := c.w.Sample()
	failed := 0.0
	if err != nil || len(r.Unsupported) > 0 {
		failed = 1
	}
	if r != nil {
		c.collectReport(ch, r)
	}
	ch <- gauge(descError, failed)
	ch <- gauge(descDuration, time.Since(start).Seconds())
}

func (c *PortsCollector) collectReport(ch chan<- prometheus.Metric, r *ports.Report) {
	ch <- gauge(descRange, float64(r.PortsInRange))
	ch <- gauge(descReserved, float64(r.ReservedInRange))
	ch <- gauge(descUsable, float64(r.UsablePorts))
	if r.TCPTwReuse != nil {
		ch <- gauge(descTwReuse, float64(*r.TCPTwReuse))
	}
	ch <- gauge(descDests, float64(len(r.Destinations)))
	other := map[string]int{}
	for i, d := range r.Destinations {
		if i >= c.top {
			for st, n := range d.States {
				other[st] += n
			}
			continue
		}
		collectDestination(ch, d)
	}
	if len(r.Destinations) > c.top {
		for st, n := range other {
			ch <- gauge(descInUse, float64(n), Other, st)
		}
		ch <- gauge(descTimeWait, float64(other["TIME_WAIT"]), Other)
	}
	ch <- gauge(descListeners, float64(len(r.ListenersInRange)))
	for _, l := range r.ListenersInRange[:min(len(r.ListenersInRange), c.top)] {
		ch <- gauge(descListener, 1, l.Local)
	}
}

// collectDestination sends one named destination's series.
func collectDestination(ch chan<- prometheus.Metric, d ports.Destination) {
	ch <- gauge(descUsed, float64(d.PortsUsed), d.Remote)
	ch <- gauge(descRatio, d.UsagePercent/100, d.Remote)
	for st, n := range d.States {
		ch <- gauge(descInUse, float64(n), d.Remote, st)
	}
	ch <- gauge(descTimeWait, float64(d.States["TIME_WAIT"]), d.Remote)
	if d.GrowthPerS != nil {
		ch <- gauge(descGrowth, *d.GrowthPerS, d.Remote)
	}
	if d.ExhaustionInS != nil {
		ch <- gauge(descForecast, *d.ExhaustionInS, d.Remote)
	}
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}
