package echo

import (
	"errors"
	"math"
	"time"

	"github.com/portlab/portlab/config"
)

// ClosePolicy says which side of a connection closes first, and therefore
// which side keeps it in TIME_WAIT.
type ClosePolicy string

const (
	// CloseClient echoes everything until the client closes; TIME_WAIT
	// lands on the client.
	CloseClient ClosePolicy = "client"
	// CloseServer reads Payload bytes, echoes them and closes; TIME_WAIT
	// lands on the server.
	CloseServer ClosePolicy = "server"
)

// Protocol is what a Server speaks: the load's protocols, one type.
type Protocol = config.Protocol

// The protocols a Server speaks.
const (
	// ProtocolTCP echoes the bytes of a TCP connection (the default).
	ProtocolTCP = config.ProtocolTCP
	// ProtocolHTTP serves HTTP/1.1: a request with a body gets it back,
	// GET and HEAD get a body of Payload bytes.
	ProtocolHTTP = config.ProtocolHTTP
	// ProtocolUDP echoes every datagram to its sender.
	ProtocolUDP = config.ProtocolUDP
)

// Config configures a Server: every knob of portlab echo, each field's YAML
// key (a scenario's server section) being its flag's name. Start from
// DefaultConfig: the zero Linger means "reset on close", not "kernel
// default", and the zero KeepAlive turns HTTP keep-alive off.
type Config struct {
	// Protocol is ProtocolTCP (the default), ProtocolHTTP or ProtocolUDP.
	Protocol Protocol `yaml:"protocol"`
	// Listen is the address to listen on; port 0 picks a free port.
	Listen string `yaml:"listen"`
	// Close says which side closes first. Under ProtocolHTTP, CloseServer
	// answers every request with "Connection: close" and then closes.
	Close ClosePolicy `yaml:"close"`
	// Payload is the request size in bytes under CloseServer: the server
	// reads exactly Payload bytes, echoes them and closes. Under
	// ProtocolHTTP it is the size of the body that answers GET.
	Payload int `yaml:"payload"`
	// KeepAlive (on in DefaultConfig) allows HTTP keep-alive. Only
	// ProtocolHTTP can turn it off, for the whole server, as
	// http.Server.SetKeepAlivesEnabled(false) does: every response says
	// "Connection: close" and the server closes first.
	KeepAlive bool `yaml:"keepalive"`
	// Linger is SO_LINGER in seconds for accepted connections: -1 keeps
	// the kernel default, 0 makes close send RST (no TIME_WAIT at all).
	Linger int `yaml:"linger"`
	// ReusePort sets SO_REUSEPORT on the listener, so several servers
	// can share one port.
	ReusePort bool `yaml:"reuseport"`
	// Backlog is the listen backlog; 0 keeps the system default
	// (net.core.somaxconn), and the kernel caps larger values at it.
	Backlog int `yaml:"backlog"`
	// MaxConns limits concurrently served connections; 0 means no limit.
	// Connections above it are accepted and closed at once, and counted
	// in Stats.Rejected rather than Stats.Accepted.
	MaxConns int `yaml:"max_conns"`
	// Delay is slept before every echo write, to simulate a slow server.
	// Echoes are written at most 32 KiB at a time, so larger requests
	// are delayed once per 32 KiB. Under ProtocolHTTP the delay comes once
	// per request, before the response; under ProtocolUDP before every
	// echoed datagram.
	Delay time.Duration `yaml:"delay"`
	// ReadHeaderTimeout (ProtocolHTTP) is the longest a request's header
	// may take to arrive, counted from accept or from the request's first
	// byte; a slow header (slowloris) is cut and its connection closed.
	// 0 means no limit.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout (ProtocolHTTP) is the longest a request may wait for
	// the next bytes of its body: a body that stalls that long (a POST
	// declaring more than it sends) is answered 408 and its connection
	// closed. A body that keeps flowing is never cut. 0 means no limit.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout (ProtocolHTTP) is the longest one response write may
	// block on a peer that does not read; the connection is then closed.
	// 0 means no limit.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes a connection that has gone this long without a
	// byte: under ProtocolTCP with no byte read or written, under
	// ProtocolHTTP between keep-alive requests. Idle and half-open peers
	// therefore cannot hold MaxConns's slots for ever. 0 means no limit;
	// ProtocolUDP ignores it.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// TLS (ProtocolHTTP) serves HTTPS with a self-signed certificate made
	// in memory at Start, for the listen address, 127.0.0.1, ::1 and
	// localhost: clients have nothing to verify it against, so they skip
	// the check (portlab load --insecure).
	TLS bool `yaml:"tls"`
}

// The defaults of the timeouts: generous enough that no load test meets
// them, short enough that abandoned and hostile connections are freed.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// MaxPayload bounds Payload: the largest request a load sends, and the
// body an HTTP server holds in memory to answer GET.
const MaxPayload = config.MaxPayload

// DefaultConfig returns the configuration the portlab CLI starts from. Its
// timeouts are the Default*Timeout constants; a zero Config has none.
func DefaultConfig() Config {
	c := Config{
		Linger:            -1,
		KeepAlive:         true,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
	}
	c.SetDefaults()
	return c
}

// SetDefaults fills the zero-valued Protocol, Listen, Close and Payload
// fields. It leaves Linger, KeepAlive and the timeouts alone because their
// zero values are meaningful (RST on close; keep-alive off; no limit).
func (c *Config) SetDefaults() {
	if c.Protocol == "" {
		c.Protocol = ProtocolTCP
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:7777"
	}
	if c.Close == "" {
		c.Close = CloseClient
	}
	if c.Payload == 0 {
		c.Payload = 32
	}
}

// Validate reports every invalid field, each a *config.FieldError naming
// the knob.
func (c Config) Validate() error {
	var errs []error
	check := func(bad bool, field, format string, args ...any) {
		if bad {
			errs = append(errs, config.Errorf(field, format, args...))
		}
	}
	switch c.Protocol {
	case "", ProtocolTCP, ProtocolHTTP:
	case ProtocolUDP:
		errs = append(errs, c.validateUDP()...)
	default:
		check(true, "protocol", "must be tcp, http or udp, got %q", c.Protocol)
	}
	check(c.TLS && c.Protocol != ProtocolHTTP, "tls", "only applies to --protocol http, got protocol %q", c.Protocol)
	check(!c.KeepAlive && c.Protocol != ProtocolHTTP, "keepalive", "only --protocol http can turn keep-alive off, got protocol %q", c.Protocol)
	if err := validListen(c.Listen, c.Protocol); err != nil {
		errs = append(errs, err)
	}
	check(c.Close != CloseClient && c.Close != CloseServer, "close", "must be %s or %s, got %q", CloseClient, CloseServer, c.Close)
	check(c.Payload < 1 || c.Payload > MaxPayload, "payload", "must be between 1 and %d bytes (64 MiB), got %d", MaxPayload, c.Payload)
	// The kernel takes both as a C int: a larger value would wrap (a
	// linger of 2^32 s to 0, a reset).
	check(c.Linger < -1 || c.Linger > math.MaxInt32, "linger", "must be -1..%d, got %d", math.MaxInt32, c.Linger)
	check(c.Backlog < 0 || c.Backlog > math.MaxInt32, "backlog", "must be 0..%d, got %d", math.MaxInt32, c.Backlog)
	check(c.MaxConns < 0, "max_conns", "must be >= 0, got %d", c.MaxConns)
	check(c.Delay < 0, "delay", "must be >= 0, got %s", c.Delay)
	check(c.ReadHeaderTimeout < 0, "read_header_timeout", "must be >= 0 (0 = no limit), got %s", c.ReadHeaderTimeout)
	check(c.ReadTimeout < 0, "read_timeout", "must be >= 0 (0 = no limit), got %s", c.ReadTimeout)
	check(c.WriteTimeout < 0, "write_timeout", "must be >= 0 (0 = no limit), got %s", c.WriteTimeout)
	check(c.IdleTimeout < 0, "idle_timeout", "must be >= 0 (0 = no limit), got %s", c.IdleTimeout)
	return errors.Join(errs...)
}

// validateUDP refuses the options that need a connection: a UDP server has
// none to close, linger on or queue.
func (c Config) validateUDP() []error {
	var errs []error
	notUDP := func(on bool, field string) {
		if on {
			errs = append(errs, config.Errorf(field, "does not apply to --protocol udp (a UDP server has no connections)"))
		}
	}
	notUDP(c.Close == CloseServer, "close")
	notUDP(c.Linger >= 0, "linger")
	notUDP(c.Backlog != 0, "backlog")
	notUDP(c.MaxConns != 0, "max_conns")
	return errs
}

// validListen checks a listen address before any socket is made, with
// config's rules for every address (port 0 picks a free one).
func validListen(addr string, proto Protocol) error {
	network := "tcp"
	if proto == ProtocolUDP {
		network = "udp"
	}
	if _, err := config.CheckAddr(addr, network, 0); err != nil {
		return config.Errorf("listen", "%v", err)
	}
	return nil
}
