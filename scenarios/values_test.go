package scenarios

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/topology"
)

// TestValuesFailAtParse: every value that would fail only once the run
// starts (a sysctl the kernel refuses or cuts short, an address the
// sandbox's namespace does not have) is the file's error, naming the field.
func TestValuesFailAtParse(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{`sandbox: {tcp_tw_reuse: banana}`, `:1: sandbox.tcp_tw_reuse: want one integer from 0 to 2`},
		{`sandbox: {tcp_tw_reuse: "1\n2"}`, `sandbox.tcp_tw_reuse: want one integer from 0 to 2 (0 off, 1 on, 2 loopback only), got "1\n2"`},
		{`sandbox: {tcp_tw_reuse: "3"}`, `sandbox.tcp_tw_reuse: want one integer from 0 to 2`},
		{`sandbox: {tcp_tw_reuse_delay: "0"}`, `sandbox.tcp_tw_reuse_delay: want one integer from 1 to 60000`},
		{`sandbox: {tcp_tw_reuse_delay: "60001"}`, `sandbox.tcp_tw_reuse_delay: want one integer from 1 to 60000`},
		{`sandbox: {tcp_fin_timeout: "-5"}`, `sandbox.tcp_fin_timeout: want one integer from 0 to 2147483`},
		{`sandbox: {tcp_max_tw_buckets: "2147483648"}`, `sandbox.tcp_max_tw_buckets: want one integer from 0 to 2147483647`},
		{`sandbox: {tcp_timestamps: "3"}`, `sandbox.tcp_timestamps: want one integer from 0 to 2`},
		{`sandbox: {tcp_syncookies: "yes"}`, `sandbox.tcp_syncookies: want one integer from 0 to 2`},
		{`sandbox: {tcp_max_syn_backlog: "-1"}`, `sandbox.tcp_max_syn_backlog: want one integer`},
		{`sandbox: {ip_local_reserved_ports: "70000"}`, `sandbox.ip_local_reserved_ports: want ports and ranges`},
		{`sandbox: {ip_local_reserved_ports: "10-5"}`, `sandbox.ip_local_reserved_ports: want ports and ranges`},
		{`sandbox: {ip_local_port_range: "1023 2000"}`, `sandbox.ip_local_port_range: want "LO HI" with 1024 <= LO`},
		{`server: {listen: "127.0.0.1:99999"}`, `:1: runs[0].server.listen: "127.0.0.1:99999": port must be from 0 to 65535`},
		{`server: {listen: "127.0.0.1:+80"}`, `runs[0].server.listen: "127.0.0.1:+80": port must be from 0 to 65535, got +80`},
		{`server: {listen: "10.0.0.1:7777"}`, `runs[0].server.listen: "10.0.0.1" is not an address of the sandbox`},
		{`server: {listen: "example.com:7777"}`, `runs[0].server.listen: "example.com" is not an address of the sandbox`},
		{`defaults: {target: "192.0.2.1:80"}`, `runs[0].load.target: "192.0.2.1" is not an address of the sandbox`},
		{`defaults: {source_ips: ["127.0.0.2", "192.0.2.1"]}`, `runs[0].load.source_ips[1]: "192.0.2.1" is not an address of the sandbox`},
		{`gomaxprocs: 4294967296`, `:1: gomaxprocs: must be 0..1024, got 4294967296`},
		{`server: {protocol: http, payload: 3000000000}`, `runs[0].server.payload: must be between 1 and 67108864 bytes (64 MiB), got 3000000000`},
		{`addresses: ["127.0.0.1/8"]`, `addresses[0]: 127.0.0.1/8 is on lo already`},
		{`addresses: ["198.18.0.1/32", "198.18.0.1/32"]`, `addresses[1]: 198.18.0.1/32 is on lo already`},
	} {
		_, err := Parse("f.yaml", []byte(tc.yaml+"\nruns: [{name: a}]\n"))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n  got  %v\n  want an ErrInvalid containing %s", tc.yaml, err, tc.want)
		}
	}
}

// TestValuesWrittenAsTheKernelReads: accepted values go to /proc/sys in
// the form the kernel takes (it refuses blanks in a port list), and a
// service name becomes its port, which the load's target follows.
func TestValuesWrittenAsTheKernelReads(t *testing.T) {
	sc, err := Parse("f.yaml", []byte(`
addresses: ["198.18.0.1/24"]
sandbox: {ip_local_reserved_ports: "8080, 9000-9010", tcp_tw_reuse: " 1 ", ip_local_port_range: "40000	40999"}
server: {listen: "127.0.0.1:http"}
runs:
  - name: a
  - name: b
    server: {listen: "198.18.0.7:7000"}
    load: {source_ips: ["198.18.0.1", "127.0.0.9"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"net.ipv4.ip_local_reserved_ports": "8080,9000-9010",
		"net.ipv4.tcp_tw_reuse":            "1",
		"net.ipv4.ip_local_port_range":     "40000 40999",
	}
	for k, v := range want {
		if sc.Sysctls[k] != v {
			t.Errorf("%s = %q, want %q", k, sc.Sysctls[k], v)
		}
	}
	if a := sc.Runs[0]; a.Server.Listen != "127.0.0.1:80" || a.Load.Target != "127.0.0.1:80" {
		t.Errorf("listen %q, target %q: want the http service's port 80", a.Server.Listen, a.Load.Target)
	}
}

// TestWholeNumbers: every integer knob of every section refuses a value
// that is not a whole number, naming the field, where yaml.v3 alone would
// truncate a float (1.5 to 1) or skip a null. The knobs are found by
// their Go kind, so a knob added later is covered too.
func TestWholeNumbers(t *testing.T) {
	sections := map[string]reflect.Type{
		"load": reflect.TypeFor[fileLoad](), "server": reflect.TypeFor[echo.Config](),
		"gateway": reflect.TypeFor[topology.Gateway](),
	}
	type knob struct{ yaml, path string }
	var knobs []knob
	for _, section := range slices.Sorted(maps.Keys(sections)) {
		for key, ft := range yamlKeys(sections[section]) {
			if integerKind(ft) {
				knobs = append(knobs,
					knob{fmt.Sprintf("runs: [{name: a, %s: {%s: %%s}}]", section, key), "runs[0]." + section + "." + key})
			}
		}
	}
	knobs = append(knobs,
		knob{"defaults: {concurrency: %s}\nruns: [{name: a}]", "defaults.concurrency"},
		knob{"gomaxprocs: %s\nruns: [{name: a}]", "gomaxprocs"})
	if len(knobs) < 15 {
		t.Fatalf("found %d integer knobs, want the load's, server's and gateway's (at least 15)", len(knobs))
	}
	for _, k := range knobs {
		for _, v := range []string{"1.5", "2.0", "1e3", "-.inf", ".nan", "~"} {
			_, err := Parse("f.yaml", []byte(fmt.Sprintf(k.yaml, v)))
			want := fmt.Sprintf("%s: want a whole number, got %q", k.path, v)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s = %s:\n  got  %v\n  want an ErrInvalid containing %s", k.path, v, err, want)
			}
		}
	}
	// Whole numbers in any YAML form still decode.
	sc, err := Parse("f.yaml", []byte("runs: [{name: a, load: {payload: 0x20, concurrency: +3}}]"))
	if err != nil || sc.Runs[0].Load.Payload != 32 || sc.Runs[0].Load.Concurrency != 3 {
		t.Errorf("payload 0x20, concurrency +3: got %+v, %v; want 32 and 3", sc, err)
	}
}

// integerKind is an integer knob's type: not a duration, which has its
// own form.
func integerKind(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return t != reflect.TypeFor[time.Duration]()
	}
	return false
}
