package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/spf13/pflag"

	"github.com/portlab/portlab/echo"
)

// echoCmd is portlab echo's flags, bound straight to the server's knobs in
// cfg, and how long a shutdown drains.
type echoCmd struct {
	fs    *pflag.FlagSet
	cfg   echo.Config
	drain time.Duration
}

// newEchoCmd registers portlab echo's flags. A knob's flag is named as its
// field's YAML key, with "-" for "_".
func newEchoCmd(stderr io.Writer) *echoCmd {
	c := &echoCmd{fs: newFlagSet("echo", "echo [flags]", stderr), cfg: echo.DefaultConfig()}
	fs, cfg := c.fs, &c.cfg
	stringVar(fs, &cfg.Protocol, "protocol", "tcp (echo bytes), http (HTTP/1.1: echo request bodies, answer GET with --payload bytes) or udp (echo datagrams)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (port 0 picks a free one)")
	stringVar(fs, &cfg.Close, "close", "who closes first: client (server waits for EOF; TIME_WAIT on the client) or server (close after one --payload echo; TIME_WAIT on the server; http: answer with Connection: close)")
	fs.IntVar(&cfg.Payload, "payload", cfg.Payload, "request size in bytes (used by --close server); http: the size of the body that answers GET")
	fs.BoolVar(&cfg.KeepAlive, "keepalive", cfg.KeepAlive, "--protocol http: allow HTTP keep-alive; false answers every request with Connection: close")
	fs.IntVar(&cfg.Linger, "linger", cfg.Linger, "SO_LINGER seconds on accepted connections: 0 = close sends RST, -1 = kernel default")
	fs.BoolVar(&cfg.ReusePort, "reuseport", false, "set SO_REUSEPORT on the listener")
	fs.IntVar(&cfg.Backlog, "backlog", cfg.Backlog, "listen backlog (0 = system default)")
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "most concurrent connections; excess ones are accepted and closed at once (0 = unlimited)")
	fs.DurationVar(&cfg.Delay, "delay", cfg.Delay, "wait this long before each echo")
	fs.DurationVar(&c.drain, "drain", 5*time.Second, "on SIGINT/SIGTERM, let open connections finish for up to this long")
	return c
}

// config is the server's configuration once the flags are parsed, validated.
func (c *echoCmd) config() (echo.Config, error) {
	if c.fs.NArg() > 0 {
		return c.cfg, fmt.Errorf("unexpected argument %q", c.fs.Arg(0))
	}
	if c.drain < 0 {
		return c.cfg, fmt.Errorf("drain: must be >= 0, got %s", c.drain)
	}
	return c.cfg, c.cfg.Validate()
}

func cmdEcho(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newEchoCmd(stderr)
	if code, done := parse(c.fs, args, stderr); done {
		return code
	}
	cfg, err := c.config()
	if err != nil {
		return usageError(stderr, "echo", err)
	}
	srv, err := echo.New(cfg)
	if err != nil {
		return usageError(stderr, "echo", err)
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stderr, "portlab echo: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "listening on %s\n", srv.Addr())
	if ap, err := netip.ParseAddrPort(srv.Addr().String()); err == nil {
		if w := echo.EphemeralWarning(int(ap.Port())); w != "" {
			fmt.Fprintf(stderr, "portlab echo: %s\n", w)
		}
	}

	<-ctx.Done()
	fmt.Fprintf(stderr, "portlab echo: stopping; draining open connections for up to %s\n", c.drain)
	dctx, cancel := context.WithTimeout(context.Background(), c.drain)
	defer cancel()
	if err := srv.Shutdown(dctx); err != nil && err != context.DeadlineExceeded {
		fmt.Fprintf(stderr, "portlab echo: shutdown: %v\n", err)
	}
	st := srv.Stats()
	if cfg.Protocol != echo.ProtocolUDP {
		fmt.Fprintf(stdout, "accepted %d, rejected %d, active peak %d, ", st.Accepted, st.Rejected, st.ActivePeak)
	}
	if cfg.Protocol != echo.ProtocolTCP {
		fmt.Fprintf(stdout, "requests %d, ", st.Requests)
	}
	fmt.Fprintf(stdout, "bytes in %d, bytes out %d\n", st.BytesIn, st.BytesOut)
	return exitOK
}
