package topology

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/internal/netns"
)

const (
	// readyTimeout bounds the server host's start: exec, sysctls, link,
	// service. It normally takes tens of milliseconds.
	readyTimeout = 30 * time.Second
	// stopTimeout bounds the wait for the server host's socket report.
	stopTimeout = 10 * time.Second
	// exitGrace is how long the server host may take to exit once asked
	// before it is killed.
	exitGrace = 5 * time.Second
	// outputTail is how much of the server host's output errors quote.
	outputTail = 8 << 10
)

// errExited means the server host ended the session by exiting.
var errExited = errors.New("topology: the server host exited")

// Peer is a running host that this process started and joined to its own
// namespace by a veth pair: the server host of two hosts, or a client or
// server host of a NAT gateway.
type Peer struct {
	veth   Veth
	cmd    *exec.Cmd
	ctl    *os.File // our end of fdControl
	rep    *os.File // our end of fdReport
	msgs   chan fromServer
	read   chan struct{} // closed when the reader of rep has returned
	out    *tailBuffer
	linked bool // we created veth.Local, so we delete it

	closeOnce sync.Once
	closeErr  error
}

// StartServerHost starts the server host and joins it to this process's
// namespace, the client host: it must run in a namespace made by
// netns.Command and refuses to run anywhere else. It starts this executable
// with args in a new network namespace (owned by this process's user
// namespace) and with PORTLAB_TOPOLOGY_SERVER=1, so that its main calls
// ServeHost; creates the veth pair and configures ClientAddr on ClientLink;
// brings lo up and writes spec.Client.Sysctls here; adds spec.Netem; and
// returns once the server host reports that it serves.
//
// ctx bounds the start only; afterwards the server host lives until Stop or
// Close, or until this process dies. When spec.Netem is set and the kernel
// lacks netem, the error wraps ErrNoNetem and nothing is left running.
//
// As with netns.Command, the server host dies with the thread that started
// it (Pdeathsig): do not call StartServerHost from a goroutine locked with
// runtime.LockOSThread.
func StartServerHost(ctx context.Context, spec Spec, args ...string) (*Peer, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	return StartPeer(ctx, twoHosts, spec.Server.Sysctls, func() error {
		if err := netns.Setup(spec.Client.Sysctls); err != nil {
			return fmt.Errorf("topology: client host: %w", err)
		}
		if spec.Netem != nil {
			return addNetem(*spec.Netem) // ErrNoNetem says it all
		}
		return nil
	}, args...)
}

// StartPeer starts a host and joins it to this process's namespace by veth:
// it must run in a namespace made by netns.Command (or in a peer's) and
// refuses to run anywhere else. It starts this executable with args in a
// new network namespace (owned by this process's user namespace) and with
// PORTLAB_TOPOLOGY_SERVER=1, so that its main calls ServeHost or
// ServeClient; creates the veth pair and configures veth's local end; runs
// local (when not nil), this side's own setup; sends the peer its address
// and sysctls; and returns once the peer reports that it serves.
//
// ctx bounds the start only. As with netns.Command, the peer dies with the
// thread that started it (Pdeathsig): do not call StartPeer from a
// goroutine locked with runtime.LockOSThread.
func StartPeer(ctx context.Context, veth Veth, sysctls map[string]string, local func() error, args ...string) (*Peer, error) {
	if !netns.Inside() || netns.IsHost() {
		return nil, errors.New("topology: StartPeer refused: this process is not in a private network namespace made by netns.Command, so the veth pair would land on the host")
	}
	s, err := startPeer(veth, args)
	if err != nil {
		return nil, err
	}
	if err := s.join(ctx, sysctls, local); err != nil {
		_ = s.cmd.Process.Kill()
		_ = s.Close() // failure tells the story, with the exit status
		return nil, s.failure(err)
	}
	return s, nil
}

// startPeer starts the peer process in its own network namespace with
// the two pipes of the protocol, and the reader of its reports.
func startPeer(veth Veth, args []string) (*Peer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("topology: find this executable: %w", err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("topology: %w", err)
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, fmt.Errorf("topology: %w", err)
	}
	s := &Peer{
		veth: veth,
		cmd:  exec.Command(exe, args...),
		ctl:  ctlW,
		rep:  repR,
		msgs: make(chan fromServer, 4),
		read: make(chan struct{}),
		out:  &tailBuffer{max: outputTail},
	}
	// CLONE_NEWNET alone: the new namespace belongs to our user namespace,
	// where we are root, so we can give it one end of the veth pair. Its
	// own process group: a terminal's Ctrl-C, which reaches the whole
	// foreground group, could kill a peer still starting (before it can
	// ignore the signal); the host that started it ends it (Stop, Close,
	// Pdeathsig), after asking for its report.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	s.cmd.Env = append(os.Environ(), EnvServerHost+"=1")
	s.cmd.ExtraFiles = []*os.File{fdControl - 3: ctlR, fdReport - 3: repW}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.WaitDelay = exitGrace
	err = s.cmd.Start()
	// The server host has its own copies now; without closing ours, its
	// death would never show as EOF.
	ctlR.Close()
	repW.Close()
	if err != nil {
		ctlW.Close()
		repR.Close()
		return nil, fmt.Errorf("topology: start the server host: %w", err)
	}
	go s.readReports()
	return s, nil
}

// readReports forwards the server host's messages until its pipe ends. A
// server host that sends more than the protocol's few messages loses the
// extra ones rather than blocking this goroutine.
func (s *Peer) readReports() {
	defer close(s.read)
	defer close(s.msgs)
	dec := json.NewDecoder(s.rep)
	for {
		var m fromServer
		if err := dec.Decode(&m); err != nil {
			return
		}
		select {
		case s.msgs <- m:
		default:
		}
	}
}

// join gives the peer its link, sets this side up, then gives the peer its
// spec and waits for it. Each side writes its sysctls once its link
// exists, so both can name their link alike.
func (s *Peer) join(ctx context.Context, sysctls map[string]string, local func() error) error {
	if err := s.addLink(); err != nil {
		return fmt.Errorf("topology: client host: %w", err)
	}
	if local != nil {
		if err := local(); err != nil {
			return err
		}
	}
	hello := toServer{Sysctls: sysctls, Link: s.veth.Peer, Addr: s.veth.PeerAddr.String()}
	if s.veth.PeerRoute {
		hello.Gateway = s.veth.LocalAddrs[0].Addr().String()
	}
	if err := json.NewEncoder(s.ctl).Encode(hello); err != nil {
		return fmt.Errorf("topology: send the server host its spec: %w", err)
	}
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case m, ok := <-s.msgs:
		switch {
		case !ok:
			return errExited
		case m.Error != "":
			return errors.New(m.Error) // the server host's own words
		case !m.Ready:
			return fmt.Errorf("topology: the server host sent %+v, want ready", m)
		}
		// The server host waited for its end; ours goes up at the same
		// moment but is set up by the kernel separately.
		if err := waitOperUp(s.veth.Local, linkTimeout); err != nil {
			return fmt.Errorf("topology: client host: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("topology: waiting for the server host: %w", ctx.Err())
	case <-timer.C:
		return fmt.Errorf("topology: the server host did not report ready within %s", readyTimeout)
	}
}

// addLink creates the veth pair with its peer already in the peer's
// namespace, then configures our end.
func (s *Peer) addLink() error {
	local := s.veth.Local
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: local},
		PeerName:      s.veth.Peer,
		PeerNamespace: netlink.NsPid(s.cmd.Process.Pid),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("create the veth pair: %s exists: another peer runs from this namespace on it (Close it first): %w", local, err)
		}
		return fmt.Errorf("create the veth pair: %w", err)
	}
	s.linked = true
	link, err := netlink.LinkByName(local)
	if err != nil {
		return fmt.Errorf("find %s: %w", local, err)
	}
	return configure(link, s.veth.LocalAddrs...)
}

// configure puts addrs on link and brings it up.
func configure(link netlink.Link, addrs ...netip.Prefix) error {
	name := link.Attrs().Name
	for _, p := range addrs {
		a := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
		if err := netlink.AddrAdd(link, a); err != nil {
			return fmt.Errorf("add %s to %s: %w", p, name, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	return nil
}

// addNetem shapes link's egress. A kernel without sch_netem answers the
// request with ENOENT ("Specified qdisc kind is unknown"); EOPNOTSUPP is
// there for kernels that refuse the kind in other ways.
func addNetem(n Netem) error {
	link, err := netlink.LinkByName(ClientLink)
	if err != nil {
		return fmt.Errorf("topology: find %s: %w", ClientLink, err)
	}
	q := netlink.NewNetem(
		netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT},
		netlink.NetemQdiscAttrs{Latency: uint32(n.Delay / time.Microsecond), Loss: float32(n.LossPercent)},
	)
	err = netlink.QdiscAdd(q)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Errorf("%w: adding it to %s: %v", ErrNoNetem, ClientLink, err)
	}
	return fmt.Errorf("topology: add netem to %s: %w", ClientLink, err)
}

// failure explains a failed start, after Close.
func (s *Peer) failure(err error) error {
	var b strings.Builder
	b.WriteString(err.Error())
	// A server host that dies early is noticed by whichever step comes
	// next (a closed report pipe, a broken control pipe, a veth peer gone):
	// say it exited, with its status, whichever step that was. One we
	// killed after the failure was signalled, and its status is noise.
	if ps := s.cmd.ProcessState; ps != nil && (ps.Exited() || errors.Is(err, errExited)) {
		if !errors.Is(err, errExited) {
			b.WriteString(": " + strings.TrimPrefix(errExited.Error(), "topology: "))
		}
		fmt.Fprintf(&b, " (%v)", ps)
	}
	b.WriteString(s.outputTail())
	return &startError{msg: b.String(), err: err}
}

// outputTail quotes the end of the server host's output, once it exited.
func (s *Peer) outputTail() string {
	if out := strings.TrimSpace(s.out.String()); out != "" {
		return "; its output ends:\n" + out
	}
	return ""
}

// startError says why StartServerHost failed, quoting the server host, and
// unwraps to the cause alone (errors.Is(err, ErrNoNetem)): the exit status
// of a server host we killed is noise.
type startError struct {
	msg string
	err error
}

func (e *startError) Error() string { return e.msg }
func (e *startError) Unwrap() error { return e.err }

// Pid returns the server host's process ID, e.g. to nsenter its namespace
// while it runs.
func (s *Peer) Pid() int { return s.cmd.Process.Pid }

// Stop asks the peer to report its socket table, stop its service and
// exit, and returns the report: taken before the service stopped, so it
// shows what the load left behind. Call Stop, Wait or Close once; Close
// after Stop or Wait is a no-op.
func (s *Peer) Stop() (*Sockets, error) {
	socks, _, err := s.finish(context.Background(), true)
	return socks, errors.Join(err, s.Close())
}

// Go tells a client host (ServeClient) that it may start its run.
func (s *Peer) Go() error {
	if err := json.NewEncoder(s.ctl).Encode(toServer{Go: true}); err != nil {
		return fmt.Errorf("topology: tell the client host to go: %w", err)
	}
	return nil
}

// Wait waits until the peer's service ends by itself (a client host's
// load), then returns the peer's socket table and its service's report,
// and closes the peer. When ctx ends first it asks the peer to stop and
// returns what it reports.
func (s *Peer) Wait(ctx context.Context) (*Sockets, json.RawMessage, error) {
	socks, rep, err := s.finish(ctx, false)
	return socks, rep, errors.Join(err, s.Close())
}

// finish reads the peer's last message, asking for it at once when ask,
// or when ctx ends.
func (s *Peer) finish(ctx context.Context, ask bool) (*Sockets, json.RawMessage, error) {
	var werr error
	stop := func() {
		// A peer stopped by a signal (Ctrl-C reaches the whole process
		// group) has reported and gone: the write fails, the report is
		// there.
		werr = json.NewEncoder(s.ctl).Encode(toServer{Stop: true})
	}
	if ask {
		stop()
	}
	var timeout <-chan time.Time
	if ask {
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		timeout = timer.C
	}
	done := ctx.Done()
	for {
		select {
		case m, ok := <-s.msgs:
			switch {
			case !ok && werr != nil:
				return nil, nil, fmt.Errorf("topology: ask the server host to stop: %w", werr)
			case !ok:
				return nil, nil, fmt.Errorf("%w before reporting its sockets", errExited)
			case m.Error != "":
				return m.Sockets, m.Report, errors.New(m.Error)
			case m.Sockets == nil:
				return nil, nil, fmt.Errorf("topology: the server host sent %+v, want its sockets", m)
			}
			return m.Sockets, m.Report, nil
		case <-done:
			done = nil
			stop()
			timer := time.NewTimer(stopTimeout)
			defer timer.Stop()
			timeout = timer.C
		case <-timeout:
			return nil, nil, fmt.Errorf("topology: the server host did not report its sockets within %s", stopTimeout)
		}
	}
}

// Close ends the server host without asking for its report: it closes the
// control pipe (the server host stops on its end), kills it if it has not
// exited after a grace period, and deletes the veth pair, so the names are
// free at once (the kernel would delete the pair with the server's
// namespace, but asynchronously). It returns the server host's exit error;
// further calls return the same.
func (s *Peer) Close() error {
	s.closeOnce.Do(func() {
		s.ctl.Close()
		kill := time.AfterFunc(exitGrace, func() { _ = s.cmd.Process.Kill() })
		err := s.cmd.Wait()
		kill.Stop()
		s.rep.Close()
		<-s.read
		if s.linked {
			err = errors.Join(err, deleteLink(s.veth.Local))
		}
		if err != nil {
			s.closeErr = fmt.Errorf("topology: server host: %w%s", err, s.outputTail())
		}
	})
	return s.closeErr
}

// deleteLink deletes link name, if it still exists.
func deleteLink(name string) error {
	link, err := netlink.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	// ENODEV: the kernel removed the pair with the server's namespace
	// between the lookup and now.
	if err := netlink.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}
