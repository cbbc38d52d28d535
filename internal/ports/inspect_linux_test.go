package ports

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/testsupport"
)

func TestMain(m *testing.M) { testsupport.Main(m) }

func findDest(r *Report, remote string) *Destination {
	for i := range r.Destinations {
		if r.Destinations[i].Remote == remote {
			return &r.Destinations[i]
		}
	}
	return nil
}

func TestInspectMatchesProc(t *testing.T) {
	const n = 20
	addr := testsupport.DrainServer(t)
	testsupport.Dial(t, addr, n)

	r, err := Inspect()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Fatal(err)
	}
	lo, hi, err := parsePortRange(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.IPLocalPortRange, [2]int{lo, hi}; got != want {
		t.Errorf("IPLocalPortRange = %v, want %v from /proc", got, want)
	}
	if got, want := r.PortsInRange, hi-lo+1; got != want {
		t.Errorf("PortsInRange = %d, want %d", got, want)
	}
	if r.UsablePorts != r.PortsInRange-r.ReservedInRange {
		t.Errorf("UsablePorts = %d, want %d - %d", r.UsablePorts, r.PortsInRange, r.ReservedInRange)
	}
	if r.TCPTwReuse == nil || r.TCPFinTimeout == nil {
		t.Errorf("tcp_tw_reuse = %v, tcp_fin_timeout = %v; want both read", r.TCPTwReuse, r.TCPFinTimeout)
	}
	if r.OS != "linux" || len(r.Unsupported) != 0 {
		t.Errorf("OS = %q, Unsupported = %q; want linux and nothing unsupported", r.OS, r.Unsupported)
	}
	// connect() picks local ports from the range, so every client counts.
	d := findDest(r, addr)
	if d == nil {
		t.Fatalf("no destination %s in %+v", addr, r.Destinations)
	}
	if d.PortsUsed != n || d.States["ESTABLISHED"] != n || d.Level != "ok" {
		t.Errorf("destination = %+v, want %d ports used, %d ESTABLISHED, level ok", d, n, n)
	}
	if want := float64(n) / float64(r.UsablePorts) * 100; d.UsagePercent != want {
		t.Errorf("UsagePercent = %v, want %v", d.UsagePercent, want)
	}
}

func TestReportJSONKeys(t *testing.T) {
	addr := testsupport.DrainServer(t)
	testsupport.Dial(t, addr, 1)
	r, err := Watch(context.Background(), 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"os", "ip_local_port_range", "ports_in_range", "reserved", "reserved_in_range",
		"usable_ports", "tcp_tw_reuse", "tcp_fin_timeout", "states", "destinations", "listeners_in_range", "level",
		"sustainable_per_s", "owners_scanned_processes", "owners_unreadable_processes", "owners_unseen"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report JSON has no %q: %s", k, b)
		}
	}
	dests, _ := m["destinations"].([]any)
	if len(dests) == 0 {
		t.Fatalf("report JSON has no destinations: %s", b)
	}
	d, _ := dests[0].(map[string]any)
	for _, k := range []string{"remote", "ports_used", "usage_percent", "level", "states", "growth_per_s",
		"owners", "unowned_sockets", "closes_first", "pattern", "closes_per_s", "cure"} {
		if _, ok := d[k]; !ok {
			t.Errorf("destination JSON has no %q: %v", k, d)
		}
	}
}

// TestWatcherGrowth connects between two samples: the second says the
// destination grew and forecasts when it runs out at that growth. It
// checks facts, not the rate, which a loaded machine would skew.
func TestWatcherGrowth(t *testing.T) {
	const n = 20
	addr := testsupport.DrainServer(t)
	var w Watcher
	first, err := w.Sample()
	if err != nil {
		t.Fatal(err)
	}
	if d := findDest(first, addr); d != nil || len(first.Destinations) > 0 && first.Destinations[0].GrowthPerS != nil {
		t.Fatalf("first sample: destination %s = %+v, or growth without a previous sample", addr, d)
	}
	testsupport.Dial(t, addr, n)
	r, err := w.Sample()
	if err != nil {
		t.Fatal(err)
	}
	d := findDest(r, addr)
	if d == nil {
		t.Fatalf("no destination %s in %+v", addr, r.Destinations)
	}
	if d.PortsUsed != n || d.GrowthPerS == nil || *d.GrowthPerS <= 0 || d.ExhaustionInS == nil {
		t.Fatalf("destination = %+v (growth %s, exhaustion %s); want %d ports, growth > 0 and a forecast",
			d, fmtPtr(d.GrowthPerS), fmtPtr(d.ExhaustionInS), n)
	}
	if want := float64(r.UsablePorts-n) / *d.GrowthPerS; math.Abs(*d.ExhaustionInS-want) > 1e-6*want {
		t.Errorf("ExhaustionInS = %v, want (usable - used) / growth = %v", *d.ExhaustionInS, want)
	}
}

func TestWatchCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	r, err := Watch(ctx, time.Minute)
	if !errors.Is(err, context.Canceled) || r == nil {
		t.Errorf("Watch after cancel = %v, %v; want the first report and context.Canceled", r, err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("Watch took %v to notice the cancel", time.Since(start))
	}
	if _, err := Watch(context.Background(), 0); err == nil {
		t.Error("Watch(0) = nil error, want one naming the interval")
	}
}
