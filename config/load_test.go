package config

import (
	"errors"
	"testing"
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
		{"http url", func(c *Load) { c.Protocol, c.Target = ProtocolHTTP, "https://x/" }, "target", `target: "https://x/": only http:// URLs are supported`},
		{"http pool", func(c *Load) { c.Protocol, c.Mode = ProtocolHTTP, ModePool }, "mode", ""},
		{"udp linger", func(c *Load) { c.Protocol, c.Linger = ProtocolUDP, 0 }, "linger", ""},
		{"udp payload", func(c *Load) { c.Protocol, c.Payload = ProtocolUDP, MaxDatagram+1 }, "payload", ""},
		{"connect timeout", func(c *Load) { c.ConnectTimeout = 0 }, "connect_timeout", "connect-timeout: must be > 0, got 0s"},
		{"source ips", func(c *Load) { c.SourceIPs = []string{"1.2.3"} }, "source_ips", `source-ips: "1.2.3" is not an IP address`},
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
	c := DefaultLoad()
	c.Target = "127.0.0.1:7777"
	if err := c.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
