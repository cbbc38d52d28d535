package topology

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// StartServerHost started: it waits for the client host to put the link in
// place, runs SetupServer with the server's sysctls, calls start (which
// starts the service, e.g. an echo server on ServerAddr, and returns the
// function that stops it), reports ready, and waits. When the client host
// calls Stop or Close, or ctx is done, it takes its socket table, stops the
// service and reports the table to the client host.
func ServeHost(ctx context.Context, start func() (stop func() error, err error)) error {
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
	fail := func(err error) error {
		_ = enc.Encode(fromServer{Error: err.Error()})
		return err
	}
	if err := SetupServer(hello.Sysctls); err != nil {
		return fail(err)
	}
	stop, err := start()
	if err != nil {
		return fail(fmt.Errorf("topology: server host: start the service: %w", err))
	}
	if err := enc.Encode(fromServer{Ready: true}); err != nil {
		return errors.Join(fmt.Errorf("topology: report ready: %w", err), stop())
	}

	asked := make(chan struct{})
	go func() {
		defer close(asked)
		var m toServer
		_ = dec.Decode(&m) // Stop, or the pipe's end: either way, stop
	}()
	select {
	case <-asked:
	case <-ctx.Done():
	}
	socks, serr := TakeSockets()
	stopErr := stop()
	if stopErr != nil {
		stopErr = fmt.Errorf("topology: server host: stop the service: %w", stopErr)
	}
	msg := fromServer{Sockets: socks}
	if err := errors.Join(serr, stopErr); err != nil {
		msg.Error = err.Error()
	}
	werr := enc.Encode(msg)
	ctl.Close() // ends the reader, if ctx ended the wait
	<-asked
	return errors.Join(serr, stopErr, werr)
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

// SetupServer prepares the server host's namespace: lo up and sysctls
// written (by netns.Setup, which refuses to touch the host's namespace),
// then ServerAddr/PrefixLen on ServerLink, which it waits for, and the link
// up.
func SetupServer(sysctls map[string]string) error {
	if err := netns.Setup(sysctls); err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	link, err := waitLink(ServerLink, linkTimeout)
	if err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	if err := configure(link, ServerAddr); err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	if err := waitOperUp(ServerLink, linkTimeout); err != nil {
		return fmt.Errorf("topology: server host: %w", err)
	}
	return nil
}

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
