package config

import (
	"errors"
	"math"
	"testing"
	"time"
)

// Validate names the knob at fault as a typed field (its scenario key), and
// its message as the flag.
func TestValidateNamesTheField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Load)
		field  string
		msg    string
	}{
		{"target", func(c *Load) { c.Target = "" }, "target", "target: required (HOST:PORT)"},
		{"pool size", func(c *Load) { c.PoolSize = 4 }, "pool_size", `pool-size: only applies to --mode pool, got mode "new"`},
		{"unread body on tcp", func(c *Load) { c.UnreadBody = true }, "unread_body", `unread-body: only applies to --protocol http, got protocol "tcp"`},
		{"await close", func(c *Load) { c.AwaitClose, c.Mode = true, ModePool }, "await_close", `await-close: only applies to --mode new, got mode "pool"`},
		{"http url", func(c *Load) { c.Protocol, c.Target = ProtocolHTTP, "ftp://x/" }, "target", `target: "ftp://x/": only http:// and https:// URLs are supported`},
		{"cacert on http", func(c *Load) {
			c.Protocol, c.Mode, c.Target, c.CACert = ProtocolHTTP, ModeKeepAlive, "http://x/", "load_test.go"
		}, "cacert",
			`cacert: only applies to https:// targets, got "http://x/"`},
		{"insecure on http", func(c *Load) {
			c.Protocol, c.Mode, c.Target, c.Insecure = ProtocolHTTP, ModeKeepAlive, "http://x/", true
		}, "insecure", ""},
		{"insecure and cacert", func(c *Load) {
			c.Protocol, c.Mode, c.Target, c.Insecure, c.CACert = ProtocolHTTP, ModeKeepAlive, "https://x/", true, "load_test.go"
		}, "insecure", ""},
		{"cacert not pem", func(c *Load) {
			c.Protocol, c.Mode, c.Target, c.CACert = ProtocolHTTP, ModeKeepAlive, "https://x/", "load_test.go"
		}, "cacert",
			`cacert: load_test.go holds no PEM certificate`},
		{"cacert directory", func(c *Load) { c.Protocol, c.Mode, c.Target, c.CACert = ProtocolHTTP, ModeKeepAlive, "https://x/", "." }, "cacert", ""},
		{"insecure on tcp", func(c *Load) { c.Insecure = true }, "insecure", ""},
		{"http pool", func(c *Load) { c.Protocol, c.Mode = ProtocolHTTP, ModePool }, "mode", ""},
		{"header on tcp", func(c *Load) { c.Header = []string{"A: b"} }, "header", `header: only applies to --protocol http, got protocol "tcp"`},
		{"header no colon", func(c *Load) {
			c.Protocol, c.Mode, c.Header = ProtocolHTTP, ModeKeepAlive, []string{"Accept text/plain"}
		}, "header",
			`header: "Accept text/plain" is not "Name: value" (e.g. -H 'Accept: text/plain')`},
		{"header bad name", func(c *Load) { c.Protocol, c.Mode, c.Header = ProtocolHTTP, ModeKeepAlive, []string{"X Y: z"} }, "header", ""},
		{"header empty name", func(c *Load) { c.Protocol, c.Mode, c.Header = ProtocolHTTP, ModeKeepAlive, []string{": z"} }, "header", ""},
		{"header newline", func(c *Load) { c.Protocol, c.Mode, c.Header = ProtocolHTTP, ModeKeepAlive, []string{"A: b\r\nEvil: 1"} }, "header", ""},
		{"body file on tcp", func(c *Load) { c.BodyFile = "load_test.go" }, "body_file", `body-file: only applies to --protocol http, got protocol "tcp"`},
		{"body file missing", func(c *Load) { c.Protocol, c.Mode, c.BodyFile = ProtocolHTTP, ModeKeepAlive, "no-such-file" }, "body_file", ""},
		{"body file directory", func(c *Load) { c.Protocol, c.Mode, c.BodyFile = ProtocolHTTP, ModeKeepAlive, "." }, "body_file", `body-file: . is not a regular file`},
		{"body file with GET", func(c *Load) {
			c.Protocol, c.Mode, c.Method, c.BodyFile = ProtocolHTTP, ModeKeepAlive, "GET", "load_test.go"
		}, "body_file", `body-file: --method GET sends no body`},
		{"udp linger", func(c *Load) { c.Protocol, c.Linger = ProtocolUDP, 0 }, "linger", ""},
		{"udp payload", func(c *Load) { c.Protocol, c.Payload = ProtocolUDP, MaxDatagram+1 }, "payload", ""},
		{"connect timeout", func(c *Load) { c.ConnectTimeout = 0 }, "connect_timeout", "connect-timeout: must be > 0 and <= 24h0m0s, got 0s"},
		{"connect timeout huge", func(c *Load) { c.ConnectTimeout = 100000 * time.Hour }, "connect_timeout", ""},
		{"timeout huge", func(c *Load) { c.Timeout = 100000 * time.Hour }, "timeout", ""},
		{"interval huge", func(c *Load) { c.Interval = 25 * time.Hour }, "interval", "interval: must be between 10ms and 24h0m0s, got 25h0m0s"},
		{"linger huge", func(c *Load) { c.Linger = 99999999 }, "linger", "linger: must be -1 (kernel default), 0 (RST on close) or seconds from 1 to 65535, got 99999999"},
		{"source twice", func(c *Load) { c.SourceIPs = []string{"127.0.0.2", "127.0.0.3", "127.0.0.2"} }, "source_ips", "source-ips: 127.0.0.2 is given twice"},
		{"source ips", func(c *Load) { c.SourceIPs = []string{"1.2.3"} }, "source_ips", `source-ips: "1.2.3" is not an IP address`},
		{"port too big", func(c *Load) { c.Target = "127.0.0.1:99999" }, "target", `target: "127.0.0.1:99999": port must be from 1 to 65535, got 99999`},
		{"port zero", func(c *Load) { c.Target = ":0" }, "target", `target: ":0": port must be from 1 to 65535, got 0`},
		{"port negative", func(c *Load) { c.Target = "127.0.0.1:-1" }, "target", `target: "127.0.0.1:-1": port must be from 1 to 65535, got -1`},
		{"no port", func(c *Load) { c.Target = "127.0.0.1:" }, "target", `target: "127.0.0.1:" has no port`},
		{"unknown service", func(c *Load) { c.Target = "127.0.0.1:nosuchservice" }, "target", `target: "127.0.0.1:nosuchservice": port "nosuchservice" is neither a number from 1 to 65535 nor a known tcp service`},
		{"second target", func(c *Load) { c.Target = "127.0.0.1:7777,127.0.0.1:0" }, "target", `target: "127.0.0.1:0": port must be from 1 to 65535, got 0`},
		{"bad ipv4", func(c *Load) { c.Target = "999.999.999.999:80" }, "target", `target: "999.999.999.999:80": "999.999.999.999" is not an IP address`},
		{"bad ipv6", func(c *Load) { c.Target = "[::g]:80" }, "target", `target: "[::g]:80": "::g" is not an IP address`},
		{"bad name", func(c *Load) { c.Target = "a b:80" }, "target", ""},
		{"udp port", func(c *Load) { c.Protocol, c.Linger, c.Target = ProtocolUDP, -1, "127.0.0.1:65536" }, "target", ""},
		{"http port zero", func(c *Load) { c.Protocol, c.Target = ProtocolHTTP, "http://127.0.0.1:0/" }, "target", `target: "http://127.0.0.1:0/": port must be from 1 to 65535, got 0`},
		{"http port too big", func(c *Load) { c.Protocol, c.Target = ProtocolHTTP, "127.0.0.1:99999" }, "target", ""},
		{"http bad ip", func(c *Load) { c.Protocol, c.Target = ProtocolHTTP, "http://999.1.1.1:80/" }, "target", ""},
		{"source family", func(c *Load) { c.SourceIPs = []string{"::1"} }, "source_ips", `source-ips: ::1 is IPv6 but target 127.0.0.1:7777 is IPv4: a socket bound to one cannot connect to the other`},
		{"source family v6 target", func(c *Load) { c.Target, c.SourceIPs = "[::1]:7777", []string{"127.0.0.2"} }, "source_ips", ""},
		{"rate NaN", func(c *Load) { c.Rate = math.NaN() }, "rate", "rate: must be between 0 (closed loop) and 10000000 requests/s, got NaN"},
		{"rate Inf", func(c *Load) { c.Rate = math.Inf(1) }, "rate", ""},
		{"rate tiny", func(c *Load) { c.Rate = 1e-300 }, "rate", "rate: must be 0 (closed loop) or at least 1/duration, 0.1 requests/s for duration 10s, got 1e-300"},
		{"rate below 1/duration", func(c *Load) { c.Rate = 1e-9 }, "rate", "rate: must be 0 (closed loop) or at least 1/duration, 0.1 requests/s for duration 10s, got 1e-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultLoad()
			c.Target = "127.0.0.1:7777"
			tt.mutate(&c)
			err := c.Validate()
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", fe.Field, tt.field, err)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("Validate() = %q, want %q", err, tt.msg)
			}
		})
	}
}

// Valid destinations, sources and rates stay valid.
func TestValidateAccepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Load)
	}{
		{"defaults", func(c *Load) {}},
		{"name", func(c *Load) { c.Target = "localhost:7777" }},
		{"fqdn", func(c *Load) { c.Target = "echo-1.example_lab.internal.:7777" }},
		{"service", func(c *Load) { c.Target = "127.0.0.1:http" }},
		{"local system", func(c *Load) { c.Target = ":7777" }},
		{"ipv6 zone", func(c *Load) { c.Target = "[fe80::1%lo]:7777" }},
		{"highest port", func(c *Load) { c.Target = "127.0.0.1:65535" }},
		{"two targets", func(c *Load) { c.Target = "127.0.0.1:7777,127.0.0.2:7777" }},
		{"source ipv4", func(c *Load) { c.SourceIPs = []string{"127.0.0.2", "::ffff:127.0.0.3"} }},
		{"source for a name", func(c *Load) { c.Target, c.SourceIPs = "localhost:7777", []string{"::1"} }},
		{"source ipv6", func(c *Load) { c.Target, c.SourceIPs = "[::1]:7777", []string{"::1"} }},
		{"http url", func(c *Load) { c.Protocol, c.Mode, c.Target = ProtocolHTTP, ModeKeepAlive, "http://[::1]:8080/x" }},
		{"http headers", func(c *Load) {
			c.Protocol, c.Mode, c.Target = ProtocolHTTP, ModeKeepAlive, "http://localhost/"
			c.Header = []string{"Accept: text/plain", "X-Empty:", "Host: example.test"}
		}},
		{"https url", func(c *Load) { c.Protocol, c.Mode, c.Target = ProtocolHTTP, ModeKeepAlive, "https://localhost/" }},
		{"https insecure", func(c *Load) {
			c.Protocol, c.Mode, c.Target, c.Insecure = ProtocolHTTP, ModeKeepAlive, "https://127.0.0.1:8443/", true
		}},
		{"http body file", func(c *Load) {
			c.Protocol, c.Mode, c.Target, c.BodyFile = ProtocolHTTP, ModeKeepAlive, "http://localhost/", "load_test.go"
		}},
		{"http default port", func(c *Load) { c.Protocol, c.Mode, c.Target = ProtocolHTTP, ModeKeepAlive, "http://localhost/" }},
		{"rate 1/duration", func(c *Load) { c.Rate = 0.1 }},
		{"rate max", func(c *Load) { c.Rate = MaxRate }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultLoad()
			c.Target = "127.0.0.1:7777"
			tc.mutate(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}
