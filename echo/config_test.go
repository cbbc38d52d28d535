package echo_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*echo.Config)
		want   string // substring of the error; "" means valid
	}{
		{"default", func(*echo.Config) {}, ""},
		{"server close", func(c *echo.Config) { c.Close = echo.CloseServer }, ""},
		{"linger reset", func(c *echo.Config) { c.Linger = 0 }, ""},
		{"free port", func(c *echo.Config) { c.Listen = ":0" }, ""},
		{"listen", func(c *echo.Config) { c.Listen = "localhost" }, "listen: "},
		{"listen port too big", func(c *echo.Config) { c.Listen = "127.0.0.1:99999" }, `listen: "127.0.0.1:99999": port must be from 0 to 65535, got 99999`},
		{"listen port negative", func(c *echo.Config) { c.Listen = ":-1" }, `listen: ":-1": port must be from 0 to 65535, got -1`},
		{"listen port plus", func(c *echo.Config) { c.Listen = ":+80" }, `listen: ":+80": port must be from 0 to 65535, got +80`},
		{"listen port unknown", func(c *echo.Config) { c.Listen = ":nosuchservice" }, `listen: ":nosuchservice": port "nosuchservice" is neither a number from 0 to 65535 nor a known tcp service`},
		{"listen no port", func(c *echo.Config) { c.Listen = "127.0.0.1:" }, `listen: "127.0.0.1:" has no port`},
		{"listen ipv4 out of range", func(c *echo.Config) { c.Listen = "999.1.1.1:8000" }, `listen: "999.1.1.1:8000": "999.1.1.1" is not an IP address`},
		{"listen short numeric host", func(c *echo.Config) { c.Listen = "10.1:8000" }, `listen: "10.1:8000": "10.1" is not an IP address`},
		{"listen bad ipv6", func(c *echo.Config) { c.Listen = "[::g]:8000" }, `listen: "[::g]:8000": "::g" is not an IP address`},
		{"listen ipv6", func(c *echo.Config) { c.Listen = "[::1]:8000" }, ""},
		{"listen any", func(c *echo.Config) { c.Listen = ":65535" }, ""},
		{"listen host name", func(c *echo.Config) { c.Listen = "localhost:0" }, ""},
		{"listen service", func(c *echo.Config) { c.Listen = "127.0.0.1:http" }, ""},
		{"listen bad label", func(c *echo.Config) { c.Listen = "a..b:80" }, `listen: "a..b:80": "a..b" is not a host name`},
		{"listen label characters", func(c *echo.Config) { c.Listen = "a*b:80" }, `listen: "a*b:80": "a*b" is not a host name`},
		{"listen udp", func(c *echo.Config) { c.Protocol, c.Listen = echo.ProtocolUDP, "127.0.0.1:65536" }, `listen: "127.0.0.1:65536": port must be from 0 to 65535`},
		{"read-header-timeout", func(c *echo.Config) { c.ReadHeaderTimeout = -time.Second }, "read-header-timeout: must be >= 0 (0 = no limit), got -1s"},
		{"read-timeout", func(c *echo.Config) { c.ReadTimeout = -time.Second }, "read-timeout: must be >= 0 (0 = no limit), got -1s"},
		{"write-timeout", func(c *echo.Config) { c.WriteTimeout = -time.Second }, "write-timeout: must be >= 0 (0 = no limit), got -1s"},
		{"idle-timeout", func(c *echo.Config) { c.IdleTimeout = -time.Second }, "idle-timeout: must be >= 0 (0 = no limit), got -1s"},
		{"no timeouts", func(c *echo.Config) { c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = 0, 0, 0, 0 }, ""},
		{"close", func(c *echo.Config) { c.Close = "x" }, `close: must be client or server, got "x"`},
		{"payload", func(c *echo.Config) { c.Payload = 0 }, "payload: must be between 1 and 67108864 bytes (64 MiB), got 0"},
		{"linger wraps", func(c *echo.Config) { c.Linger = 1 << 32 }, "linger: must be -1..2147483647, got 4294967296"},
		{"backlog wraps", func(c *echo.Config) { c.Backlog = 1 << 32 }, "backlog: must be 0..2147483647, got 4294967296"},
		{"payload too large", func(c *echo.Config) { c.Payload = 3000000000 }, "payload: must be between 1 and 67108864 bytes (64 MiB), got 3000000000"},
		{"payload largest", func(c *echo.Config) { c.Payload = echo.MaxPayload }, ""},
		{"linger", func(c *echo.Config) { c.Linger = -2 }, "linger: must be -1..2147483647, got -2"},
		{"backlog", func(c *echo.Config) { c.Backlog = -1 }, "backlog: must be 0..2147483647, got -1"},
		{"max-conns", func(c *echo.Config) { c.MaxConns = -1 }, "max-conns: must be >= 0, got -1"},
		{"delay", func(c *echo.Config) { c.Delay = -time.Second }, "delay: must be >= 0, got -1s"},
		{"http", func(c *echo.Config) {
			c.Protocol = echo.ProtocolHTTP
			c.Close = echo.CloseServer
			c.KeepAlive = false
		}, ""},
		{"udp", func(c *echo.Config) { c.Protocol = echo.ProtocolUDP; c.ReusePort = true; c.Delay = time.Second }, ""},
		{"protocol", func(c *echo.Config) { c.Protocol = "sctp" }, `protocol: must be tcp, http or udp, got "sctp"`},
		{"keepalive", func(c *echo.Config) { c.KeepAlive = false }, "keepalive: only --protocol http"},
		{"tls on tcp", func(c *echo.Config) { c.TLS = true }, `tls: only applies to --protocol http, got protocol "tcp"`},
		{"udp close", func(c *echo.Config) { c.Protocol = echo.ProtocolUDP; c.Close = echo.CloseServer }, "close: does not apply to --protocol udp"},
		{"udp linger", func(c *echo.Config) { c.Protocol = echo.ProtocolUDP; c.Linger = 0 }, "linger: does not apply to --protocol udp"},
		{"udp backlog", func(c *echo.Config) { c.Protocol = echo.ProtocolUDP; c.Backlog = 8 }, "backlog: does not apply to --protocol udp"},
		{"udp max-conns", func(c *echo.Config) { c.Protocol = echo.ProtocolUDP; c.MaxConns = 8 }, "max-conns: does not apply to --protocol udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := echo.DefaultConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsEveryField(t *testing.T) {
	err := echo.Config{Listen: ":0", Close: "x", Linger: -5, MaxConns: -1}.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want an error")
	}
	for _, field := range []string{"close:", "payload:", "linger:", "max-conns:"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("Validate() = %q, want it to mention %q", err, field)
		}
	}
}

// Every error names its knob as a typed field, so a scenario file can
// report its own key without parsing the message.
func TestValidateFieldErrors(t *testing.T) {
	tests := []struct {
		mutate func(*echo.Config)
		field  string
	}{
		{func(c *echo.Config) { c.MaxConns = -1 }, "max_conns"},
		{func(c *echo.Config) { c.KeepAlive = false }, "keepalive"},
		{func(c *echo.Config) { c.Protocol, c.Backlog = echo.ProtocolUDP, 4 }, "backlog"},
		{func(c *echo.Config) { c.Listen = "127.0.0.1:99999" }, "listen"},
		{func(c *echo.Config) { c.Listen = "999.1.1.1:8000" }, "listen"},
		{func(c *echo.Config) { c.IdleTimeout = -1 }, "idle_timeout"},
	}
	for _, tt := range tests {
		cfg := echo.DefaultConfig()
		tt.mutate(&cfg)
		var fe *config.FieldError
		if err := cfg.Validate(); !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("Validate() = %v, want a *config.FieldError for %q", err, tt.field)
		}
	}
}

func TestDefaults(t *testing.T) {
	want := echo.Config{Protocol: echo.ProtocolTCP, Listen: "127.0.0.1:7777", Close: echo.CloseClient, Payload: 32, Linger: -1, KeepAlive: true,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	if got := echo.DefaultConfig(); got != want {
		t.Errorf("DefaultConfig() = %+v, want %+v", got, want)
	}
	var got echo.Config
	got.SetDefaults()
	// zero Linger (RST), KeepAlive (off) and timeouts (no limit) are real
	// settings, so they are kept
	want.Linger, want.KeepAlive = 0, false
	want.ReadHeaderTimeout, want.ReadTimeout, want.WriteTimeout, want.IdleTimeout = 0, 0, 0, 0
	if got != want {
		t.Errorf("SetDefaults on zero Config = %+v, want %+v", got, want)
	}
}
