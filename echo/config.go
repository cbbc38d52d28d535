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

// Config configures a Server. Start from DefaultConfig: the zero Linger
// means "reset on close", not "kernel default".
type Config struct {
	// Listen is the address to listen on; port 0 picks a free port.
	Listen string
	// Close says which side closes first.
	Close ClosePolicy
	// Payload is the request size in bytes under CloseServer: the server
	// reads exactly Payload bytes, echoes them and closes.
	Payload int
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
	// are delayed once per 32 KiB.
	Delay time.Duration
}

// DefaultConfig returns the configuration the portlab CLI starts from.
func DefaultConfig() Config {
	c := Config{Linger: -1}
	c.SetDefaults()
	return c
}

// SetDefaults fills the zero-valued Listen, Close and Payload fields. It
// leaves Linger alone because its zero value is meaningful (RST on close).
func (c *Config) SetDefaults() {
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
