package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/report"
)

// Each testdata/invalid-*.yaml ends with a "# want: " line: the error
// message it must produce, naming file, line and field.
func TestInvalidScenarioFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, want, ok := strings.Cut(string(data), "# want: ")
			if !ok {
				t.Fatal("no '# want: ' line")
			}
			want = strings.TrimSpace(want)
			_, err = Parse(filepath.Base(f), data)
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, want)
			}
		})
	}
}

func TestBuiltinsParse(t *testing.T) {
	names := Names()
	if names[0] != Default {
		t.Errorf("Names()[0] = %q, want the default %q first", names[0], Default)
	}
	for _, n := range names {
		sc, err := Builtin(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if sc.Name != n || sc.Description == "" || len(sc.Runs) == 0 {
			t.Errorf("%s: name %q, description %q, %d runs", n, sc.Name, sc.Description, len(sc.Runs))
		}
		for _, r := range sc.Runs {
			if r.Lesson == "" {
				t.Errorf("%s/%s: no lesson", n, r.Name)
			}
		}
	}
	if _, err := Builtin("nosuch"); err == nil {
		t.Error("Builtin(nosuch) succeeded")
	}
}

// TestBuiltinExpectationClasses: an expectation on an error class the
// engine never reports would always read 0 and could never fail: every
// built-in names only classes of report.ErrorClasses.
func TestBuiltinExpectationClasses(t *testing.T) {
	known := map[string]bool{}
	for _, c := range report.ErrorClasses() {
		known[string(c)] = true
	}
	for _, n := range Names() {
		sc, err := Builtin(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for _, r := range sc.Runs {
			for _, e := range r.Expect {
				head, rest, _ := strings.Cut(e.Path, ".")
				if head != "errors" && head != "onset" {
					continue
				}
				if class, _, _ := strings.Cut(rest, "."); !known[class] {
					t.Errorf("%s/%s: expect %s: %q is not an error class (have %v)", n, r.Name, e.Path, class, report.ErrorClasses())
				}
			}
		}
	}
}

func TestParseAppliesLayers(t *testing.T) {
	sc, err := Parse("layers.yaml", []byte(`
name: layers
gomaxprocs: 4
sandbox: {ip_local_port_range: "40000 40999", tcp_tw_reuse: "0"}
server: {close: server, delay: 1ms}
defaults: {concurrency: 4, duration: 1s, payload: 100}
runs:
  - name: base
  - name: over
    sandbox: {tcp_tw_reuse: "1"}
    server: {close: client, listen: "127.0.0.1:9000"}
    load: {concurrency: 8, mode: keepalive, requests_per_conn: 5}
    expect: {errors.EADDRNOTAVAIL: "==0"}
`))
	if err != nil {
		t.Fatal(err)
	}
	base, over := sc.Runs[0], sc.Runs[1]
	if base.Load.Concurrency != 4 || base.Load.Payload != 100 || base.Server.Payload != 100 || base.Server.Close != "server" {
		t.Errorf("base: load %+v server %+v", base.Load, base.Server)
	}
	if over.Load.Concurrency != 8 || over.Load.RequestsPerConn != 5 || over.Server.Close != "client" || over.Server.Delay.String() != "1ms" {
		t.Errorf("over: load %+v server %+v", over.Load, over.Server)
	}
	if over.Load.Target != "127.0.0.1:9000" || base.Load.Target != LabAddr {
		t.Errorf("targets %q, %q: the load must follow the server's listen address", base.Load.Target, over.Load.Target)
	}
	if got := sc.SysctlsFor(&over); got["net.ipv4.tcp_tw_reuse"] != "1" || got["net.ipv4.ip_local_port_range"] != "40000 40999" {
		t.Errorf("sysctls %v", got)
	}
	if got := sc.SysctlsFor(&base); got["net.ipv4.tcp_tw_reuse"] != "0" {
		t.Errorf("a run's sysctls leaked into the scenario: %v", got)
	}
	if sc.GOMAXPROCS != 4 {
		t.Errorf("gomaxprocs %d, want 4", sc.GOMAXPROCS)
	}
	if len(over.Expect) != 1 || base.Load.Label != "base" {
		t.Errorf("expect %v label %q", over.Expect, base.Load.Label)
	}
}

// Sections decode over the layers below them: only the keys they have
// change, and a target set by the scenario is kept over the server's
// listen address.
func TestParseDecodesOverLayers(t *testing.T) {
	sc, err := Parse("over.yaml", []byte(`
server: {protocol: http, keepalive: false, listen: "127.0.0.1:9000"}
defaults: {protocol: http, mode: keepalive, target: "http://127.0.0.1:9000/x", max_idle_per_host: 8}
runs:
  - name: a
  - name: b
    server: {keepalive: true}
    load: {unread_body: true, destinations: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := sc.Runs[0], sc.Runs[1]
	if a.Server.KeepAlive || !b.Server.KeepAlive || b.Server.Listen != "127.0.0.1:9000" || b.Server.Linger != -1 {
		t.Errorf("servers %+v, %+v", a.Server, b.Server)
	}
	if a.Load.Target != "http://127.0.0.1:9000/x" || b.Load.MaxIdlePerHost != 8 || a.Load.UnreadBody || !b.Load.UnreadBody {
		t.Errorf("loads %+v, %+v", a.Load, b.Load)
	}
	if b.Load.Concurrency != 16 || b.Load.Duration != 2*time.Second || b.Destinations != 1 {
		t.Errorf("run b lost the lab's defaults: %+v", b.Load)
	}
}
