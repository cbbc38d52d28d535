package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Mode is the connection strategy.
type Mode string

// The connection strategies.
const (
	// ModeNew opens a new connection for every request: the pattern that
	// exhausts ephemeral ports when the client closes first.
	ModeNew Mode = "new"
	// ModePool shares PoolSize connections among all workers; a broken one
	// is replaced.
	ModePool Mode = "pool"
	// ModeKeepAlive gives every worker its own connection, renewed after
	// RequestsPerConn requests (0: never).
	ModeKeepAlive Mode = "keepalive"
)

// Protocol is what one request is.
type Protocol string

// The protocols.
const (
	// ProtocolTCP writes Payload bytes and reads their echo (the default).
	ProtocolTCP Protocol = "tcp"
	// ProtocolHTTP sends an HTTP/1.1 request through a net/http client;
	// its http.Transport is the connection pool (see Config.Mode).
	ProtocolHTTP Protocol = "http"
	// ProtocolUDP sends one datagram of Payload bytes on a connected UDP
	// socket and reads the echoed datagram.
	ProtocolUDP Protocol = "udp"
)

// Load is a load run's configuration: every knob of portlab load, as a flag,
// a scenario key and the result's record. Start from DefaultLoad.
type Load struct {
	// Protocol is tcp (the default when empty), http or udp.
	Protocol Protocol `json:"protocol,omitempty" yaml:"protocol"`
	// Target is HOST:PORT; under ProtocolHTTP also a URL,
	// http://HOST:PORT/PATH (HOST:PORT alone means path /). TCP takes a
	// comma-separated list too: connections then go to each in turn, and
	// since a local port is unique per 4-tuple, each destination has the
	// whole ephemeral range.
	Target          string        `json:"target" yaml:"target"`
	Mode            Mode          `json:"mode" yaml:"mode"`
	PoolSize        int           `json:"pool_size,omitempty" yaml:"pool_size"`
	RequestsPerConn int           `json:"requests_per_conn,omitempty" yaml:"requests_per_conn"`
	Concurrency     int           `json:"concurrency" yaml:"concurrency"`
	Rate            float64       `json:"rate,omitempty" yaml:"rate"` // requests/s; 0 = closed loop
	Duration        time.Duration `json:"duration_ns" yaml:"duration"`
	Requests        int64         `json:"requests,omitempty" yaml:"requests"` // 0 = bounded by Duration only
	Payload         int           `json:"payload" yaml:"payload"`
	ConnectTimeout  time.Duration `json:"connect_timeout_ns" yaml:"connect_timeout"`
	Timeout         time.Duration `json:"timeout_ns" yaml:"timeout"`
	ReuseAddr       bool          `json:"reuseaddr,omitempty" yaml:"reuseaddr"`
	Linger          int           `json:"linger" yaml:"linger"` // SO_LINGER seconds; -1 = kernel default
	BindNoPort      bool          `json:"bind_no_port,omitempty" yaml:"bind_no_port"`
	SourceIPs       []string      `json:"source_ips,omitempty" yaml:"source_ips"`
	// AwaitClose makes a ModeNew client read to the server's EOF
	// before closing, as HTTP/1.0-style clients do, so a server that
	// closes after answering really closes first and keeps the TIME_WAIT.
	// (Results keep the JSON key of its first name.)
	AwaitClose bool          `json:"await_server_close,omitempty" yaml:"await_close"`
	Interval   time.Duration `json:"interval_ns" yaml:"interval"`
	// SustainExhaustion keeps a run going after its first EADDRNOTAVAIL.
	// Off, portlab load stops there, in whatever namespace it runs (only
	// the sandbox that portlab run creates is exempt), so the host's
	// other programs are not starved of ports.
	SustainExhaustion bool   `json:"sustain_exhaustion,omitempty" yaml:"sustain_exhaustion"`
	Label             string `json:"label,omitempty" yaml:"label"`

	// HTTP only. Under ProtocolHTTP, Mode keepalive is an http.Transport
	// with keep-alive on, as programs use it; Mode new turns keep-alive off
	// (Transport.DisableKeepAlives: a new connection per request, each sent
	// with "Connection: close"); Mode pool does not apply.

	// Method is the request method; empty means POST when Payload > 0,
	// else GET. GET and HEAD send no body.
	Method string `json:"method,omitempty" yaml:"method"`
	// Header is the request headers, each "Name: value", sent on every
	// request; a name given twice sends both values. "Host: name" sets
	// the Host header the request names, not the address it connects to.
	Header []string `json:"header,omitempty" yaml:"header"`
	// BodyFile is a regular file of at most MaxPayload bytes whose bytes
	// are every request's body, in place of Payload bytes.
	BodyFile string `json:"body_file,omitempty" yaml:"body_file"`
	// CACert is a PEM file of the certificates an https:// target's
	// certificate must chain to, in place of the system's roots.
	CACert string `json:"cacert,omitempty" yaml:"cacert"`
	// Insecure accepts any certificate from an https:// target, as
	// curl -k does.
	Insecure bool `json:"insecure,omitempty" yaml:"insecure"`
	// MaxIdlePerHost is Transport.MaxIdleConnsPerHost: 0 keeps Go's
	// default (http.DefaultMaxIdleConnsPerHost, 2): a connection freed
	// while 2 others sit idle is closed, so workers running in parallel
	// churn connections (how many depends on how many run at once).
	MaxIdlePerHost int `json:"max_idle_per_host,omitempty" yaml:"max_idle_per_host"`
	// MaxConnsPerHost is Transport.MaxConnsPerHost: 0 means no limit.
	MaxConnsPerHost int `json:"max_conns_per_host,omitempty" yaml:"max_conns_per_host"`
	// UnreadBody closes each response body without reading it to EOF: the
	// Transport then cannot reuse the connection and closes it.
	UnreadBody bool `json:"unread_body,omitempty" yaml:"unread_body"`

	// Hold (ProtocolUDP, Mode new) keeps every socket open until the run
	// ends, as a program that leaks sockets does: a UDP socket frees its
	// port at close (there is no TIME_WAIT), so only held sockets can
	// exhaust the range.
	Hold bool `json:"hold,omitempty" yaml:"hold"`

	// Shard (I/N) makes this process shard I of N that run the load
	// together: it runs its Share. Shards (N) alone takes I from
	// ShardIndexEnv (ResolveShard). A result records the share it ran,
	// with the shard beside it, not these.
	Shard  string `json:"shard,omitempty" yaml:"shard"`
	Shards int    `json:"shards,omitempty" yaml:"shards"`
	// StartAt is the instant the measured window begins, so that shards
	// started apart overlap; StartDelay begins it that long after the
	// run is set up. See StartTime.
	StartAt    time.Time     `json:"start_at,omitzero" yaml:"start_at"`
	StartDelay time.Duration `json:"start_delay_ns,omitempty" yaml:"start_delay"`
}

// DefaultLoad returns the defaults every run starts from.
func DefaultLoad() Load {
	return Load{
		Protocol:       ProtocolTCP,
		Mode:           ModeNew,
		Concurrency:    16,
		Duration:       10 * time.Second,
		Payload:        32,
		ConnectTimeout: 2 * time.Second,
		Timeout:        5 * time.Second,
		Linger:         -1,
		Interval:       time.Second,
	}
}

// MaxRate is the fastest open loop, in requests/s.
const MaxRate = 10_000_000

// MaxLinger is the longest SO_LINGER, in seconds: the BSDs hold it in
// 16 bits.
const MaxLinger = 65535

// MaxDuration bounds every run, whatever it is asked, so that no load loop
// runs unattended for ever.
const MaxDuration = 24 * time.Hour

// Targets is where the load connects: one HOST:PORT per destination. Under
// ProtocolHTTP that is the URL's host and port (Target itself is a URL
// there), so whoever reads the socket table or predicts ports sees the
// same destinations as the engine; an invalid URL gives none.
func (c *Load) Targets() []string {
	if c.Protocol == ProtocolHTTP {
		u, err := c.URL()
		if err != nil {
			return nil
		}
		return []string{HostPort(u)}
	}
	return strings.Split(c.Target, ",")
}

// Validate checks c. Its errors are *FieldError, naming the offending
// knob; several are joined.
func (c *Load) Validate() error {
	if c.Shard != "" || c.Shards != 0 {
		return c.validateShard()
	}
	if err := c.validateStart(); err != nil {
		return err
	}
	if err := c.validateTarget(); err != nil {
		return err
	}
	if err := c.validateShape(); err != nil {
		return err
	}
	if err := c.validateSocket(); err != nil {
		return err
	}
	if err := c.validateFamilies(); err != nil {
		return err
	}
	switch c.protocol() {
	case ProtocolHTTP:
		return c.validateHTTP()
	case ProtocolUDP:
		return c.validateUDP()
	}
	return c.onlyFor(ProtocolTCP)
}

func (c *Load) validateTarget() error {
	switch c.Protocol {
	case "", ProtocolTCP, ProtocolHTTP, ProtocolUDP:
	default:
		return Errorf("protocol", "must be tcp, http or udp, got %q", c.Protocol)
	}
	if c.Protocol == ProtocolHTTP {
		_, err := c.URL()
		return err
	}
	if c.Target == "" {
		return Errorf("target", "required (HOST:PORT)")
	}
	targets := c.Targets()
	if len(targets) > 1 && c.Protocol == ProtocolUDP {
		return Errorf("target", "one destination for --protocol udp, got %d", len(targets))
	}
	for _, t := range targets {
		if err := c.validateHostPort(t); err != nil {
			return err
		}
	}
	return nil
}

// validateHostPort checks one destination, HOST:PORT, before any dial,
// with the one address checker (CheckAddr) that listeners use too.
func (c *Load) validateHostPort(t string) error {
	network := "tcp"
	if c.protocol() == ProtocolUDP {
		network = "udp"
	}
	if _, err := CheckAddr(t, network, 1); err != nil {
		return Errorf("target", "%v", err)
	}
	return nil
}

// validHost accepts an IP address (an IPv6 one with a zone too), a DNS
// name, or nothing (the local system). Digits and dots alone must make an
// IPv4 address: 999.1.1.1 is no name to look up.
func validHost(host string) error {
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if strings.Trim(host, "0123456789.") == "" || strings.Contains(host, ":") {
		return fmt.Errorf("%q is not an IP address", host)
	}
	if len(host) > 253 {
		return fmt.Errorf("host name is %d bytes long, at most 253", len(host))
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return fmt.Errorf("%q is not a host name (letters, digits, - and _ in dot-separated labels of 1 to 63)", host)
		}
	}
	return nil
}

// validateFamilies refuses source addresses of another family than a
// literal target's: a socket bound to ::1 cannot connect to 127.0.0.1.
func (c *Load) validateFamilies() error {
	for _, t := range c.Targets() {
		host, _, err := net.SplitHostPort(t)
		if err != nil {
			continue
		}
		dst, err := netip.ParseAddr(host)
		if err != nil {
			continue // a name: its family is known only once resolved
		}
		for _, s := range c.SourceIPs {
			src, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			if src.Unmap().Is4() != dst.Unmap().Is4() {
				return Errorf("source_ips", "%s is %s but target %s is %s: a socket bound to one cannot connect to the other",
					s, family(src), t, family(dst))
			}
		}
	}
	return nil
}

func family(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// validateShape checks the connection strategy and the load's size.
func (c *Load) validateShape() error {
	switch c.Mode {
	case ModeNew, ModePool, ModeKeepAlive:
	default:
		return Errorf("mode", "must be new, pool or keepalive, got %q", c.Mode)
	}
	switch {
	case c.Concurrency < 1 || c.Concurrency > 100_000:
		return Errorf("concurrency", "must be between 1 and 100000, got %d", c.Concurrency)
	case c.PoolSize < 0 || c.PoolSize > MaxPoolSize:
		return Errorf("pool_size", "must be between 0 (= concurrency) and %d, got %d", MaxPoolSize, c.PoolSize)
	case c.PoolSize > 0 && c.Mode != ModePool:
		return Errorf("pool_size", "only applies to --mode pool, got mode %q", c.Mode)
	case c.RequestsPerConn < 0:
		return Errorf("requests_per_conn", "must be >= 0 (0 = unlimited), got %d", c.RequestsPerConn)
	case c.RequestsPerConn > 0 && c.Mode != ModeKeepAlive:
		return Errorf("requests_per_conn", "only applies to --mode keepalive, got mode %q", c.Mode)
	case c.Duration <= 0 || c.Duration > MaxDuration:
		return Errorf("duration", "must be > 0 and <= %s, got %s", MaxDuration, c.Duration)
	case math.IsNaN(c.Rate) || c.Rate < 0 || c.Rate > MaxRate:
		return Errorf("rate", "must be between 0 (closed loop) and %d requests/s, got %g", MaxRate, c.Rate)
	case c.Rate > 0 && c.Rate*c.Duration.Seconds() < 1:
		// The pacer sends one request per 1/rate: below 1/duration the
		// run would end before its second request was due.
		return Errorf("rate", "must be 0 (closed loop) or at least 1/duration, %g requests/s for duration %s, got %g",
			1/c.Duration.Seconds(), c.Duration, c.Rate)
	case c.Requests < 0:
		return Errorf("requests", "must be >= 0 (0 = no count limit), got %d", c.Requests)
	case c.Interval < 10*time.Millisecond || c.Interval > MaxDuration:
		// A result's reader refuses intervals beyond 24 h.
		return Errorf("interval", "must be between 10ms and %s, got %s", MaxDuration, c.Interval)
	}
	if lo, hi := c.payloadRange(); c.Payload < lo || c.Payload > hi {
		return Errorf("payload", "must be between %d and %d bytes for --protocol %s, got %d", lo, hi, c.protocol(), c.Payload)
	}
	return c.checkResources()
}

// validateSocket checks the knobs of each connection's socket.
func (c *Load) validateSocket() error {
	switch {
	case c.ConnectTimeout <= 0 || c.ConnectTimeout > MaxDuration:
		return Errorf("connect_timeout", "must be > 0 and <= %s, got %s", MaxDuration, c.ConnectTimeout)
	case c.Timeout <= 0 || c.Timeout > MaxDuration:
		return Errorf("timeout", "must be > 0 and <= %s, got %s", MaxDuration, c.Timeout)
	case c.Linger < -1 || c.Linger > MaxLinger:
		return Errorf("linger", "must be -1 (kernel default), 0 (RST on close) or seconds from 1 to %d, got %d", MaxLinger, c.Linger)
	case c.AwaitClose && c.Mode != ModeNew:
		return Errorf("await_close", "only applies to --mode new, got mode %q", c.Mode)
	case c.ReuseAddr && !platformSockopts:
		return Errorf("reuseaddr", "only implemented on Linux")
	case c.BindNoPort && !platformSockopts:
		return Errorf("bind_no_port", "only implemented on Linux")
	}
	seen := make(map[netip.Addr]bool, len(c.SourceIPs))
	for _, s := range c.SourceIPs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Errorf("source_ips", "%q is not an IP address", s)
		}
		// Each source is a port space of its own: one given twice would
		// count twice in the prediction.
		if seen[a] {
			return Errorf("source_ips", "%s is given twice", s)
		}
		seen[a] = true
	}
	return nil
}

func (c *Load) protocol() Protocol {
	if c.Protocol == "" {
		return ProtocolTCP
	}
	return c.Protocol
}

// payloadRange is the request sizes a protocol can carry: HTTP may send no
// body, a datagram holds at most 65,507 bytes.
func (c *Load) payloadRange() (lo, hi int) {
	switch c.protocol() {
	case ProtocolHTTP:
		return 0, MaxPayload
	case ProtocolUDP:
		return 1, MaxDatagram
	}
	return 1, MaxPayload
}

// onlyFor refuses the protocol-specific settings that p does not use.
func (c *Load) onlyFor(p Protocol) error {
	set := func(field string, on bool, want Protocol) error {
		if on && p != want {
			return Errorf(field, "only applies to --protocol %s, got protocol %q", want, p)
		}
		return nil
	}
	return errors.Join(
		set("method", c.Method != "", ProtocolHTTP),
		set("header", len(c.Header) > 0, ProtocolHTTP),
		set("body_file", c.BodyFile != "", ProtocolHTTP),
		set("cacert", c.CACert != "", ProtocolHTTP),
		set("insecure", c.Insecure, ProtocolHTTP),
		set("max_idle_per_host", c.MaxIdlePerHost != 0, ProtocolHTTP),
		set("max_conns_per_host", c.MaxConnsPerHost != 0, ProtocolHTTP),
		set("unread_body", c.UnreadBody, ProtocolHTTP),
		set("hold", c.Hold, ProtocolUDP),
	)
}

// Strategy describes the connection strategy and load shape in words.
func (c *Load) Strategy() string {
	var s string
	switch {
	case c.Protocol == ProtocolHTTP:
		s = c.httpStrategy()
	case c.Protocol == ProtocolUDP && c.Mode == ModeNew && c.Hold:
		s = "udp: new socket per request, held open to the end"
	case c.Mode == ModeNew:
		s = "new connection per request"
	case c.Mode == ModePool:
		n := c.PoolSize
		if n == 0 {
			n = c.Concurrency
		}
		s = fmt.Sprintf("pool of %d", n)
	case c.Mode == ModeKeepAlive:
		if c.RequestsPerConn > 0 {
			s = fmt.Sprintf("keep-alive, %d requests/conn", c.RequestsPerConn)
		} else {
			s = "keep-alive"
		}
	}
	if c.Protocol == ProtocolUDP && !c.Hold {
		s = "udp: " + s
	}
	if c.Rate > 0 {
		s += fmt.Sprintf(", open loop %g/s (max %d in flight)", c.Rate, c.Concurrency)
	} else {
		s += fmt.Sprintf(", concurrency %d", c.Concurrency)
	}
	if c.Linger >= 0 {
		s += fmt.Sprintf(", SO_LINGER %d", c.Linger)
	}
	if c.AwaitClose {
		s += ", waits for the server to close"
	}
	if c.ReuseAddr {
		s += ", SO_REUSEADDR"
	}
	if c.BindNoPort {
		s += ", IP_BIND_ADDRESS_NO_PORT"
	}
	if len(c.SourceIPs) > 0 {
		s += fmt.Sprintf(", %d source IPs", len(c.SourceIPs))
	}
	return s
}
