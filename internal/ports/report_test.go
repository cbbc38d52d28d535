package ports

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/internal/testsupport"
)

// TestLevel checks the thresholds of a destination's port usage: warn from
// 60%, crit from 80%.
func TestLevel(t *testing.T) {
	for _, tt := range []struct {
		pct  float64
		want string
	}{
		{0, "ok"}, {59.9, "ok"}, {59.999, "ok"}, {60, "warn"}, {79.9, "warn"},
		{80, "crit"}, {100, "crit"}, {250, "crit"},
	} {
		if got := Level(tt.pct); got != tt.want {
			t.Errorf("Level(%v) = %q, want %q", tt.pct, got, tt.want)
		}
	}
}

// dest builds a sockstate destination holding ports [from, from+n) in state.
func dest(remote string, from, n int, state string) sockstate.Destination {
	d := sockstate.Destination{Remote: netip.MustParseAddrPort(remote), Ports: n, States: map[string]int{state: n}}
	for p := from; p < from+n; p++ {
		d.LocalPorts = append(d.LocalPorts, uint16(p))
	}
	return d
}

func sample(ds ...sockstate.Destination) *sockstate.Sample {
	s := &sockstate.Sample{States: map[string]int{}, Destinations: ds}
	for _, d := range ds {
		for k, v := range d.States {
			s.States[k] += v
		}
	}
	return s
}

// listening adds a listener on each port to s.
func listening(s *sockstate.Sample, ports ...int) *sockstate.Sample {
	for _, p := range ports {
		s.Listeners = append(s.Listeners, netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)))
	}
	return s
}

func TestFromSample(t *testing.T) {
	// A 1,000-port range, as in the namespace tests: 50000-50999.
	const lo, hi = 50000, 50999
	type row struct {
		remote string
		used   int
		pct    float64
		level  string
	}
	for _, tt := range []struct {
		name     string
		reserved [][2]int
		s        *sockstate.Sample
		want     []row
	}{
		{"empty", nil, sample(), []row{}},
		{"time_wait toward one destination", nil,
			sample(dest("10.0.0.1:80", lo, 970, "TIME_WAIT")),
			[]row{{"10.0.0.1:80", 970, 97, "crit"}}},
		{"just below warn", nil,
			sample(dest("10.0.0.1:80", lo, 599, "TIME_WAIT")),
			[]row{{"10.0.0.1:80", 599, 59.9, "ok"}}},
		{"warn", nil,
			sample(dest("10.0.0.1:80", lo, 600, "ESTABLISHED")),
			[]row{{"10.0.0.1:80", 600, 60, "warn"}}},
		{"ports outside the range do not count", nil,
			sample(dest("10.0.0.1:80", lo-100, 300, "ESTABLISHED")),
			[]row{{"10.0.0.1:80", 200, 20, "ok"}}},
		{"destination with no port in range is left out", nil,
			sample(dest("10.0.0.1:80", 40000, 10, "ESTABLISHED"), dest("10.0.0.2:80", lo, 1, "ESTABLISHED")),
			[]row{{"10.0.0.2:80", 1, 0.1, "ok"}}},
		{"reserved ports shrink usable and do not count as used", [][2]int{{lo, lo + 199}},
			sample(dest("10.0.0.1:80", lo, 800, "TIME_WAIT")),
			[]row{{"10.0.0.1:80", 600, 75, "warn"}}},
		{"every destination has the whole range; sorted by ports then remote", nil,
			sample(dest("10.0.0.3:80", lo, 100, "ESTABLISHED"), dest("[::1]:80", lo, 900, "TIME_WAIT"),
				dest("10.0.0.2:80", lo, 100, "ESTABLISHED")),
			[]row{{"[::1]:80", 900, 90, "crit"}, {"10.0.0.2:80", 100, 10, "ok"}, {"10.0.0.3:80", 100, 10, "ok"}}},
		{"sockets accepted on a listening port in the range are not the client's", nil,
			listening(sample(dest("10.0.0.9:41000", lo+500, 1, "ESTABLISHED"), dest("10.0.0.1:80", lo, 10, "ESTABLISHED")), lo+500),
			[]row{{"10.0.0.1:80", 10, 1, "ok"}}},
		{"whole range reserved", [][2]int{{0, 65535}},
			sample(dest("10.0.0.1:80", lo, 10, "ESTABLISHED")), []row{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ds := FromSample(lo, hi, tt.reserved, tt.s)
			got := make([]row, len(ds))
			for i, d := range ds {
				got[i] = row{d.Remote, d.PortsUsed, d.UsagePercent, d.Level}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FromSample:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestFill(t *testing.T) {
	r := newReport("linux")
	reserved := [][2]int{{8080, 8080}, {50100, 50109}}
	setRange(r, 50000, 50999, reserved)
	s := sample(dest("10.0.0.1:80", 50000, 700, "TIME_WAIT"), dest("10.0.0.2:80", 50000, 10, "ESTABLISHED"))
	s.States["LISTEN"] = 3
	s.Listeners = []netip.AddrPort{
		netip.MustParseAddrPort("0.0.0.0:22"),
		netip.MustParseAddrPort("0.0.0.0:50105"), // reserved already
		netip.MustParseAddrPort("[::]:50500"),
	}
	fill(r, reserved, s)

	if got, want := r.UsablePorts, 990; got != want {
		t.Errorf("UsablePorts = %d, want %d", got, want)
	}
	if got, want := r.Level, "warn"; got != want {
		t.Errorf("Level = %q, want %q (worst destination: 690/990)", got, want)
	}
	if got, want := r.States, map[string]int{"TIME_WAIT": 700, "ESTABLISHED": 10, "LISTEN": 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("States = %v, want %v", got, want)
	}
	want := []Listener{{Local: "[::]:50500", Port: 50500,
		Fix: "sysctl -w net.ipv4.ip_local_reserved_ports=8080,50100-50109,50500 (and persist it in /etc/sysctl.d/)"}}
	if !reflect.DeepEqual(r.ListenersInRange, want) {
		t.Errorf("ListenersInRange = %+v, want %+v", r.ListenersInRange, want)
	}
}

func TestGrowth(t *testing.T) {
	t0 := time.Unix(1000, 0)
	mk := func(at time.Time, s *sockstate.Sample) *snapshot {
		r := newReport("linux")
		setRange(r, 50000, 50999, nil)
		fill(r, nil, s)
		return &snapshot{report: r, sample: s, at: at}
	}
	before := mk(t0, sample(dest("10.0.0.1:80", 50000, 400, "TIME_WAIT"), dest("10.0.0.2:80", 50000, 300, "TIME_WAIT")))
	now := mk(t0.Add(2*time.Second), sample(
		dest("10.0.0.1:80", 50000, 600, "TIME_WAIT"), // +100/s, 400 left: 4 s
		dest("10.0.0.2:80", 50000, 200, "TIME_WAIT"), // shrinking
		dest("10.0.0.3:80", 50000, 50, "SYN_SENT"),   // new: +25/s, 950 left: 38 s
	))
	growth(now, before)
	type row struct {
		remote     string
		g          float64
		exhaustion *float64
	}
	f := func(v float64) *float64 { return &v }
	want := []row{{"10.0.0.1:80", 100, f(4)}, {"10.0.0.2:80", -50, nil}, {"10.0.0.3:80", 25, f(38)}}
	for i, d := range now.report.Destinations {
		got := row{d.Remote, *d.GrowthPerS, d.ExhaustionInS}
		if got.remote != want[i].remote || got.g != want[i].g ||
			(got.exhaustion == nil) != (want[i].exhaustion == nil) ||
			(got.exhaustion != nil && *got.exhaustion != *want[i].exhaustion) {
			t.Errorf("destination %d = %v (exhaustion %v), want %v (exhaustion %v)",
				i, got, fmtPtr(got.exhaustion), want[i], fmtPtr(want[i].exhaustion))
		}
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func TestWriteText(t *testing.T) {
	for _, tt := range []struct {
		name  string
		watch bool
		s     *sockstate.Sample
	}{
		{"ok", false, sample(dest("10.0.0.1:80", 50000, 12, "ESTABLISHED"))},
		{"crit", true, sample(
			dest("10.0.0.1:80", 50000, 850, "TIME_WAIT"),
			dest("[2001:db8::1]:443", 50000, 300, "ESTABLISHED"),
		)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport("linux")
			reserved := [][2]int{{50900, 50909}}
			setRange(r, 50000, 50999, reserved)
			tw, fin := 0, 60
			r.TCPTwReuse, r.TCPFinTimeout = &tw, &fin
			tt.s.Listeners = []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:50500"), netip.MustParseAddrPort("[::]:50500"),
				netip.MustParseAddrPort("0.0.0.0:50600")}
			fill(r, reserved, tt.s)
			if tt.watch {
				before := &snapshot{sample: sample(dest("10.0.0.1:80", 50000, 750, "TIME_WAIT")), at: time.Unix(0, 0)}
				r.Destinations[0].Owners = []Owner{{PID: 4242, Command: "curl", Sockets: 3}, {PID: 4343, Command: "java", Sockets: 1}}
				r.OwnersUnseen = []string{unseenTimeWait, fmt.Sprintf(unseenUnreadable, 2)}
				growth(&snapshot{report: r, reserved: reserved, at: time.Unix(1, 0)}, before)
			}
			var buf bytes.Buffer
			if err := WriteText(&buf, r); err != nil {
				t.Fatal(err)
			}
			testsupport.Golden(t, filepath.Join("testdata", "text-"+tt.name+".golden"), buf.Bytes())
			buf.Reset()
			if err := WriteLine(&buf, r, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			testsupport.Golden(t, filepath.Join("testdata", "line-"+tt.name+".golden"), buf.Bytes())
		})
	}
}

func ExampleFromSample() {
	// 1,000 ephemeral ports, 850 of them in TIME_WAIT toward one server.
	s := &sockstate.Sample{Destinations: []sockstate.Destination{{
		Remote:     netip.MustParseAddrPort("10.0.0.1:80"),
		LocalPorts: make([]uint16, 0, 850),
		States:     map[string]int{"TIME_WAIT": 850},
	}}}
	for p := range 850 {
		s.Destinations[0].LocalPorts = append(s.Destinations[0].LocalPorts, uint16(50000+p))
	}
	for _, d := range FromSample(50000, 50999, nil, s) {
		fmt.Printf("%s: %d ports, %.0f%% %s\n", d.Remote, d.PortsUsed, d.UsagePercent, d.Level)
	}
	// Output: 10.0.0.1:80: 850 ports, 85% crit
}
