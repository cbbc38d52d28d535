package topology

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/sockstate"
)

// linkTimeout bounds SetupServer's wait for ServerLink. Under ServeHost the
// link is there before SetupServer runs; the wait is for other callers.
const linkTimeout = 10 * time.Second

// ServeHost is the whole life of a server host, the process that
// StartServerHost (or StartPeer) started: it waits for the starting host
// to put the link in place, sets its namespace up (sysctls, address,
// route), calls start (which starts the service, e.g. an echo server on
// ServerAddr, and returns the function that stops it), reports ready, and
// waits. When the starting host calls Stop or Close, or ctx is done, it
// takes its socket table, stops the service and reports the table.
func ServeHost(ctx context.Context, start func() (stop func() error, err error)) error {
	return serve(ctx, func(ctx context.Context, ready func() error, _ <-chan struct{}) (any, error) {
		stop, err := start()
		if err != nil {
			return nil, fmt.Errorf("topology: server host: start the service: %w", err)
		}
		if err := ready(); err != nil {
			return nil, errors.Join(err, stop())
		}
		<-ctx.Done()
		if err := stop(); err != nil {
			return nil, fmt.Errorf("topology: server host: stop the service: %w", err)
		}
		return nil, nil
	})
}

// ServeClient is the whole life of a client host that StartPeer started
// (behind a NAT gateway): it sets its namespace up as ServeHost does, calls
// prepare (a load's set-up, its preflight), reports ready, and when the
// starting host says go (Peer.Go) calls the run prepare returned, whose
// report (JSON) it sends with its socket table when run returns. So the
// clients of one gateway are all set up before any of them loads. ctx ends
// when the starting host asks the client host to stop, or when ctx ends.
func ServeClient(ctx context.Context, prepare func(ctx context.Context) (run func(ctx context.Context) (report any, err error), err error)) error {
	return serve(ctx, func(ctx context.Context, ready func() error, start <-chan struct{}) (any, error) {
		run, err := prepare(ctx)
		if err != nil {
			return nil, err
		}
		if err := ready(); err != nil {
			return nil, err
		}
		select {
		case <-start:
		case <-ctx.Done():
			return nil, fmt.Errorf("topology: client host: stopped before it was told to go: %w", ctx.Err())
		}
		return run(ctx)
	})
}

// serve runs svc in a host started by StartPeer: svc calls ready once it
// serves and returns its report when it ends, by itself or when its ctx
// ends (the starting host's Stop, the pipe's end, or ctx); start is closed
// when the starting host says go. The socket table is taken before svc's
// ctx ends, or after svc ended by itself.
func serve(ctx context.Context, svc func(ctx context.Context, ready func() error, start <-chan struct{}) (any, error)) error {
	if !IsServerHost() {
		return fmt.Errorf("topology: ServeHost: this process was not started by StartServerHost (%s is not 1)", EnvServerHost)
	}
	// Not for the server's own children, should it start any.
	os.Unsetenv(EnvServerHost)
	ctl, rep, err := serverPipes()
	if err != nil {
		return err
	}
	defer rep.Close()
	defer ctl.Close()
	dec, enc := json.NewDecoder(ctl), json.NewEncoder(rep)
	var hello toServer
	if err := dec.Decode(&hello); err != nil {
		return fmt.Errorf("topology: read the spec from the client host: %w", err)
	}
	if err := setupHost(hello); err != nil {
		_ = enc.Encode(fromServer{Error: err.Error()})
		return err
	}
	asked, start := listen(dec)
	svcCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type outcome struct {
		report any
		err    error
	}
	ended := make(chan outcome, 1)
	go func() {
		r, err := svc(svcCtx, func() error { return enc.Encode(fromServer{Ready: true}) }, start)
		ended <- outcome{r, err}
	}()
	var socks *Sockets
	var serr error
	var out outcome
	select {
	case out = <-ended:
		socks, serr = TakeSockets()
	case <-asked:
	case <-ctx.Done():
	}
	if socks == nil && serr == nil {
		socks, serr = TakeSockets()
		cancel()
		out = <-ended
	}
	werr := report(enc, socks, out.report, errors.Join(serr, out.err))
	ctl.Close() // ends the reader, if the service or ctx ended the wait
	<-asked
	return errors.Join(serr, out.err, werr)
}

// listen reads the starting host's messages after the first: start is
// closed at its first Go, asked when it asks the host to stop (Stop, a
// second Go, or the pipe's end).
func listen(dec *json.Decoder) (asked, start chan struct{}) {
	asked, start = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(asked)
		for started := false; ; started = true {
			var m toServer
			if err := dec.Decode(&m); err != nil || !m.Go || started {
				return
			}
			close(start)
		}
	}()
	return asked, start
}

// report sends a host's last message.
func report(enc *json.Encoder, socks *Sockets, rep any, err error) error {
	msg := fromServer{Sockets: socks}
	if rep != nil {
		b, merr := json.Marshal(rep)
		if merr != nil {
			err = errors.Join(err, merr)
		}
		msg.Report = b
	}
	if err != nil {
		msg.Error = err.Error()
	}
	return enc.Encode(msg)
}

// serverPipes opens the pipes StartServerHost passed. exec hands them over
// in blocking mode; non-blocking, they go through Go's poller, so closing
// one ends a pending read.
func serverPipes() (ctl, rep *os.File, err error) {
	for _, fd := range []int{fdControl, fdReport} {
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, nil, fmt.Errorf("topology: pipe %d from the client host: %w", fd, err)
		}
	}
	return os.NewFile(fdControl, "topology-control"), os.NewFile(fdReport, "topology-report"), nil
}

// SetupServer prepares the server host's namespace of two hosts: lo up
// and sysctls written (by netns.Setup, which refuses to touch the host's
// namespace), then ServerAddr/PrefixLen on ServerLink, which it waits for,
// and the link up.
func SetupServer(sysctls map[string]string) error {
	return setupHost(toServer{Sysctls: sysctls, Link: twoHosts.Peer, Addr: twoHosts.PeerAddr.String()})
}

// setupHost prepares a started host's namespace as its hello says.
func setupHost(h toServer) error {
	addr, err := netip.ParsePrefix(h.Addr)
	if err != nil {
		return fmt.Errorf("topology: server host: address %q: %w", h.Addr, err)
	}
	if err := netns.Setup(h.Sysctls); err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	link, err := waitLink(h.Link, linkTimeout)
	if err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	if err := configure(link, addr); err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	if err := waitOperUp(h.Link, linkTimeout); err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	if h.Gateway == "" {
		return nil
	}
	gw := net.ParseIP(h.Gateway)
	if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Gw: gw}); err != nil {
		return fmt.Errorf("topology: server host: default route via %s: %w", h.Gateway, err)
	}
	return waitPath(h.Gateway, linkTimeout)
}

// waitPath waits until gw answers a connect to a port nobody listens on
// with a reset: our end being up says nothing of the gateway's, which
// drops what it sends until the kernel has set it up (see waitOperUp),
// and a first connect lost there waits a second for its retransmission.
func waitPath(gw string, timeout time.Duration) error {
	addr := net.JoinHostPort(gw, "9") // discard: no service in the gateway
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond)
		switch {
		case err == nil:
			c.Close()
			return nil
		case errors.Is(err, unix.ECONNREFUSED):
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("topology: the gateway %s does not answer after %s: %w", gw, timeout, err)
		}
	}
}

// waitLink waits until link name exists here: the starting host moves it
// into this namespace as it creates the pair.
func waitLink(name string, timeout time.Duration) (netlink.Link, error) {
	deadline := time.Now().Add(timeout)
	for {
		link, err := netlink.LinkByName(name)
		var notFound netlink.LinkNotFoundError
		switch {
		case err == nil:
			return link, nil
		case !errors.As(err, &notFound):
			return nil, fmt.Errorf("find %s: %w", name, err)
		case time.Now().After(deadline):
			return nil, fmt.Errorf("%s did not appear within %s: was this process started by StartServerHost?", name, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitOperUp waits until link name is operationally up. Subtleness ahead:
// when a veth's peer comes up, the kernel turns the carrier on at once but
// attaches the link's queueing discipline later, from its linkwatch work
// queue; until then the link drops every packet it sends. A connect in that
// window loses its SYN and waits for the retransmission, a second later
// (about one first connect in three, measured). The operational state is
// set by that same work item, so once it reads up, packets flow.
func waitOperUp(name string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		link, err := netlink.LinkByName(name)
		if err != nil {
			return fmt.Errorf("find %s: %w", name, err)
		}
		if state := link.Attrs().OperState; state == netlink.OperUp {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%s is not up after %s (operational state %s)", name, timeout, state)
		}
		time.Sleep(time.Millisecond)
	}
}

// TakeSockets summarises the TCP sockets of this process's namespace: in
// the client host, the client's; ServeHost reports the server's.
func TakeSockets() (*Sockets, error) {
	s, err := sockstate.Take()
	if err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	return &Sockets{States: s.States, TimeWait: s.States["TIME_WAIT"]}, nil
}
