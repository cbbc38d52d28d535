package exporter

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/internal/testsupport"
)

// Sockets TestScrapeCost sets up: TIME_WAIT ones spread over destinations,
// and open connections (two sockets each, both ends being here).
const (
	costDestinations = 40
	costTimeWait     = 20000
	costOpen         = 2500
)

// costSockets leaves costTimeWait sockets in TIME_WAIT and costOpen
// connections open toward costDestinations listeners.
func costSockets(t *testing.T) {
	t.Helper()
	var addrs []string
	for i := range costDestinations {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 7000+i))
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, testsupport.Drain(t, ln))
	}
	for _, a := range addrs {
		churn(t, a, costTimeWait/costDestinations)
	}
	for i, a := range addrs {
		n := costOpen / costDestinations
		if i == 0 {
			n += costOpen % costDestinations
		}
		testsupport.Dial(t, a, n) // closed by its cleanup
	}
	tw, est, err := sockstate.Count()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sockets: %d TIME_WAIT, %d ESTABLISHED, %d listeners", tw, est, costDestinations)
}

// TestScrapeCost measures one scrape (the collector alone, and the whole
// /metrics request) at about 25,000 sockets in a namespace. It only
// reports: cost is a measurement, not a pass/fail fact on a shared
// machine. Run it with
//
//	PORTLAB_SCRAPE_COST=1 go test -run TestScrapeCost -v ./exporter
func TestScrapeCost(t *testing.T) {
	if os.Getenv("PORTLAB_SCRAPE_COST") != "1" {
		t.Skip("set PORTLAB_SCRAPE_COST=1 to measure")
	}
	netnstest.Run(t, map[string]string{
		"net.ipv4.ip_local_port_range": "20000 60999",
		"net.ipv4.tcp_tw_reuse":        "0",
	}, func(t *testing.T) {
		costSockets(t)
		cpu0 := cpuTime(t)
		collect := testing.Benchmark(BenchmarkCollect)
		cpu := (cpuTime(t) - cpu0) / time.Duration(collect.N)
		h, err := Handler(NewPortsCollector(10))
		if err != nil {
			t.Fatal(err)
		}
		serve := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET /metrics: %d", rec.Code)
				}
			}
		})
		for _, r := range []struct {
			what string
			res  testing.BenchmarkResult
		}{{"collector", collect}, {"GET /metrics", serve}} {
			t.Logf("%s: %.2f ms, %d allocs, %d kB per scrape (%d scrapes)", r.what,
				float64(r.res.NsPerOp())/1e6, r.res.AllocsPerOp(), r.res.AllocedBytesPerOp()/1024, r.res.N)
		}
		// On a shared machine the wall time says more about the neighbours.
		t.Logf("collector: %.2f ms of CPU (user + system, GC included) per scrape", float64(cpu)/1e6)
	})
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCollect scrapes this namespace's sockets, whatever they are;
// TestScrapeCost sets up 25,000 first.
func BenchmarkCollect(b *testing.B) {
	c := NewPortsCollector(10)
	ch := make(chan prometheus.Metric, 1024)
	go func() {
		for range ch {
		}
	}()
	defer close(ch)
	for b.Loop() {
		c.Collect(ch)
	}
}
