package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// protocol is what one request is: the engine's plug-in. The engine owns
// everything else: pacing, the connection strategies (new, pool,
// keep-alive), the stop and the measurements. A protocol is either a
// connProtocol, whose connections the engine keeps, or an ownConnProtocol,
// which keeps its own.
//
// Adding a protocol is one file: its type, and an init that registers its
// constructor in protocols (its validation lives in package config).
type protocol interface {
	// preflight checks once, before the run, that the target answers, so
	// that an unreachable target is a clear error (wrapping
	// ErrUnreachable) instead of a run full of failures.
	preflight(ctx context.Context) error
	// close releases what the protocol holds, once the workers are done.
	close()
}

// connProtocol is a protocol on connections the engine dials, reuses as
// the Mode says, and aborts at the stop (by a deadline in the past).
type connProtocol interface {
	protocol
	// dial opens connection number n; destinations and source addresses
	// are taken in turn by n.
	dial(ctx context.Context, n int) (net.Conn, error)
	// exchange performs one request on c, whose deadline is set, counts
	// its bytes on w, and returns when the answer was complete (taken
	// before any wait that is not part of the round trip).
	exchange(w *worker, c net.Conn) (answered time.Time, err error)
}

// liveDialer is a connProtocol that dials connection number n into c,
// publishing c as w's live connection (w.publish) once its socket exists
// and before connect() completes, so that the stop aborts a dial by a
// past deadline as it aborts a read. It watches no context: that costs
// every dial a timer and a callback registration.
type liveDialer interface {
	dialLive(w *worker, c *conn, n int) error
}

// ownConnProtocol is a protocol whose client keeps its own connections, as
// net/http's Transport does: it dials, pools and counts them itself
// (through worker.opened). Each request gets the run's context, whose end
// is the stop that aborts it.
type ownConnProtocol interface {
	protocol
	// do performs one request for w; sent is when it had its connection,
	// zero when unknown.
	do(ctx context.Context, w *worker) (sent time.Time, err error)
	// finish ends w's share of the run, after its last request.
	finish(w *worker)
}

// named is a protocol that names its target in results otherwise than by
// the resolved addresses (HTTP: by the URL).
type named interface{ targetName() string }

// protocols holds every protocol's constructor, registered by the
// protocol's file. A constructor resolves the targets (Runner.resolve) and
// sets the protocol up; New runs its preflight.
var protocols = map[Protocol]func(ctx context.Context, r *Runner) (protocol, error){}

func newProtocol(ctx context.Context, r *Runner) (protocol, error) {
	name := r.cfg.Protocol
	if name == "" {
		name = ProtocolTCP
	}
	newProto, ok := protocols[name]
	if !ok {
		return nil, fmt.Errorf("protocol: %q is not built in", name)
	}
	p, err := newProto(ctx, r)
	if err != nil {
		return nil, err
	}
	switch p := p.(type) {
	case connProtocol:
		r.conns = p
	case ownConnProtocol:
		r.own = p
	default:
		return nil, fmt.Errorf("protocol %s: neither keeps connections nor lets the engine keep them", name)
	}
	return p, nil
}

// resolve resolves the destinations once, before the run, so no request
// pays for a lookup, and checks the source addresses against them.
func (r *Runner) resolve(ctx context.Context, network string, targets []string) error {
	for _, t := range targets {
		ap, err := resolveAddrPort(ctx, network, t)
		if err != nil {
			return err
		}
		r.raddrs = append(r.raddrs, ap)
		r.targets = append(r.targets, ap.String())
	}
	r.raddr, r.target = r.raddrs[0], r.targets[0]
	for _, s := range r.cfg.SourceIPs {
		a := netip.MustParseAddr(s) // checked by Validate
		if a.Is4() != r.raddr.Addr().Is4() {
			return fmt.Errorf("source-ips: %s and target %s are of different IP families", a, r.raddr)
		}
		r.sources = append(r.sources, netip.AddrPortFrom(a, 0))
	}
	return nil
}

// resolveAddrPort resolves HOST:PORT.
func resolveAddrPort(ctx context.Context, network, target string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(target); err == nil {
		return ap, nil
	}
	host, port, _ := net.SplitHostPort(target)
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.AddrPort{}, fmt.Errorf("target: cannot resolve %q: %v: %w", host, err, ErrUnreachable)
	}
	p, err := net.LookupPort(network, port)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("target: bad port %q: %v", port, err)
	}
	return netip.AddrPortFrom(addrs[0].Unmap(), uint16(p)), nil
}
