package echo

import (
	"errors"
	"fmt"
	"net"
	"time"
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

// Protocol is what a Server speaks.
type Protocol string

const (
	// ProtocolTCP echoes the bytes of a TCP connection (the default).
	ProtocolTCP Protocol = "tcp"
	// ProtocolHTTP serves HTTP/1.1: a request with a body gets it back,
	// GET and HEAD get a body of Payload bytes.
	ProtocolHTTP Protocol = "http"
	// ProtocolUDP echoes every datagram to its sender.
	ProtocolUDP Protocol = "udp"
)

// Config configures a Server. Start from DefaultConfig: the zero Linger
// means "reset on close", not "kernel default".
type Config struct {
	// Protocol is ProtocolTCP (the default), ProtocolHTTP or ProtocolUDP.
	Protocol Protocol
	// Listen is the address to listen on; port 0 picks a free port.
	Listen string
	// Close says which side closes first. Under ProtocolHTTP, CloseServer
	// answers every request with "Connection: close" and then closes.
	Close ClosePolicy
	// Payload is the request size in bytes under CloseServer: the server
	// reads exactly Payload bytes, echoes them and closes. Under
	// ProtocolHTTP it is the size of the body that answers GET.
	Payload int
	// DisableKeepAlives (ProtocolHTTP only) turns HTTP keep-alive off for
	// the whole server, as http.Server.SetKeepAlivesEnabled(false) does:
	// every response says "Connection: close" and the server closes first.
	DisableKeepAlives bool
	// Linger is SO_LINGER in seconds for accepted connections: -1 keeps
	// the kernel default, 0 makes close send RST (no TIME_WAIT at all).
	Linger int
	// ReusePort sets SO_REUSEPORT on the listener, so several servers
	// can share one port.
	ReusePort bool
	// Backlog is the listen backlog; 0 keeps the system default
	// (net.core.somaxconn), and the kernel caps larger values at it.
	Backlog int
	// MaxConns limits concurrently served connections; 0 means no limit.
	// Connections above it are accepted and closed at once, and counted
	// in Stats.Rejected rather than Stats.Accepted.
	MaxConns int
	// Delay is slept before every echo write, to simulate a slow server.
	// Echoes are written at most 32 KiB at a time, so larger requests
	// are delayed once per 32 KiB. Under ProtocolHTTP the delay comes once
	// per request, before the response; under ProtocolUDP before every
	// echoed datagram.
	Delay time.Duration
}

// DefaultConfig returns the configuration the portlab CLI starts from.
func DefaultConfig() Config {
	c := Config{Linger: -1}
	c.SetDefaults()
	return c
}

// SetDefaults fills the zero-valued Protocol, Listen, Close and Payload
// fields. It
// leaves Linger alone because its zero value is meaningful (RST on close).
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

// Validate reports every invalid field, each prefixed with the name of the
// CLI flag that sets it.
func (c Config) Validate() error {
	var errs []error
	switch c.Protocol {
	case "", ProtocolTCP, ProtocolHTTP:
	case ProtocolUDP:
		errs = append(errs, c.validateUDP()...)
	default:
		errs = append(errs, fmt.Errorf("protocol: must be tcp, http or udp, got %q", c.Protocol))
	}
	if c.DisableKeepAlives && c.Protocol != ProtocolHTTP {
		errs = append(errs, fmt.Errorf("keepalive: only --protocol http can turn keep-alive off, got protocol %q", c.Protocol))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %w", err))
	}
	if c.Close != CloseClient && c.Close != CloseServer {
		errs = append(errs, fmt.Errorf("close: must be %s or %s, got %q", CloseClient, CloseServer, c.Close))
	}
	if c.Payload < 1 {
		errs = append(errs, fmt.Errorf("payload: must be >= 1, got %d", c.Payload))
	}
	if c.Linger < -1 {
		errs = append(errs, fmt.Errorf("linger: must be >= -1, got %d", c.Linger))
	}
	if c.Backlog < 0 {
		errs = append(errs, fmt.Errorf("backlog: must be >= 0, got %d", c.Backlog))
	}
	if c.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("max-conns: must be >= 0, got %d", c.MaxConns))
	}
	if c.Delay < 0 {
		errs = append(errs, fmt.Errorf("delay: must be >= 0, got %s", c.Delay))
	}
	return errors.Join(errs...)
}

// validateUDP refuses the options that need a connection: a UDP server has
// none to close, linger on or queue.
func (c Config) validateUDP() []error {
	var errs []error
	notUDP := func(flag string) {
		errs = append(errs, fmt.Errorf("%s: does not apply to --protocol udp (a UDP server has no connections)", flag))
	}
	if c.Close == CloseServer {
		notUDP("close")
	}
	if c.Linger >= 0 {
		notUDP("linger")
	}
	if c.Backlog != 0 {
		notUDP("backlog")
	}
	if c.MaxConns != 0 {
		notUDP("max-conns")
	}
	return errs
}
