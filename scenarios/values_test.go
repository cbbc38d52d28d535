package scenarios

import (
	"errors"
	"strings"
	"testing"
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
