package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/portlab/portlab/echo"
)

func cmdEcho(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("echo", "echo [flags]", stderr)
	cfg := echo.DefaultConfig()
	var closePolicy, protocol string
	fs.StringVar(&protocol, "protocol", string(cfg.Protocol), "tcp (echo bytes), http (HTTP/1.1: echo request bodies, answer GET with --payload bytes) or udp (echo datagrams)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (port 0 picks a free one)")
	fs.StringVar(&closePolicy, "close", string(cfg.Close), "who closes first: client (server waits for EOF; TIME_WAIT on the client) or server (close after one --payload echo; TIME_WAIT on the server; http: answer with Connection: close)")
	fs.IntVar(&cfg.Payload, "payload", cfg.Payload, "request size in bytes (used by --close server); http: the size of the body that answers GET")
	keepAlive := fs.Bool("keepalive", true, "--protocol http: allow HTTP keep-alive; false answers every request with Connection: close")
	fs.IntVar(&cfg.Linger, "linger", cfg.Linger, "SO_LINGER seconds on accepted connections: 0 = close sends RST, -1 = kernel default")
	fs.BoolVar(&cfg.ReusePort, "reuseport", false, "set SO_REUSEPORT on the listener")
	fs.IntVar(&cfg.Backlog, "backlog", cfg.Backlog, "listen backlog (0 = system default)")
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "most concurrent connections; excess ones are accepted and closed at once (0 = unlimited)")
	fs.DurationVar(&cfg.Delay, "delay", cfg.Delay, "wait this long before each echo")
	drain := fs.Duration("drain", 5*time.Second, "on SIGINT/SIGTERM, let open connections finish for up to this long")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "echo", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	cfg.Close, cfg.Protocol, cfg.DisableKeepAlives = echo.ClosePolicy(closePolicy), echo.Protocol(protocol), !*keepAlive
	if *drain < 0 {
		return usageError(stderr, "echo", fmt.Errorf("drain: must be >= 0, got %s", *drain))
	}
	if err := cfg.Validate(); err != nil {
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
	fmt.Fprintf(stderr, "portlab echo: stopping; draining open connections for up to %s\n", *drain)
	dctx, cancel := context.WithTimeout(context.Background(), *drain)
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
