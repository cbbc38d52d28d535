package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strconv"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/predict"
)

// ChildArg is the hidden first argument that makes portlab run one sandbox
// run as the child of Execute. Every main that can be re-executed by
// Execute must pass it to ChildMain.
const ChildArg = "__sandbox"

// childSpec is what the parent sends the child on its stdin.
type childSpec struct {
	Sysctls     map[string]string  `json:"sysctls"`
	Addresses   []string           `json:"addresses,omitempty"`
	Server      echo.Config        `json:"server"`
	Load        loadgen.Config     `json:"load"`
	ListenProbe string             `json:"listen_probe,omitempty"`
	Topology    scenarios.Topology `json:"topology,omitempty"`
	// Destinations is the number of echo servers, on consecutive ports
	// from Server.Listen; 0 means one.
	Destinations int `json:"destinations,omitempty"`
	// Link is the two-hosts link shaping, if any.
	Link *topology.Netem `json:"link,omitempty"`
	// Gateway is the NAT gateway of the nat topology.
	Gateway *topology.Gateway `json:"gateway,omitempty"`
	// GOMAXPROCS, when > 0, is set before the load runs.
	GOMAXPROCS int `json:"gomaxprocs,omitempty"`
	// Netns is the namespace the parent started the child in, as the
	// parent read it from the kernel: the child's proof that it runs where
	// it was meant to, which no environment variable can give.
	Netns netns.ID `json:"netns"`
}

// ErrInterrupted is what ChildMain returns when a signal cut the run
// short: the partial result was written all the same.
var ErrInterrupted = errors.New("sandbox run interrupted")

// ErrOutsideSandbox is ChildMain's refusal to run outside a namespace
// started by Execute.
var ErrOutsideSandbox = errors.New(ChildArg + " only runs inside the sandbox that portlab run creates")

// ChildMain runs one sandbox run: it reads the spec from stdin, sets the
// namespace up, serves and loads, and writes the result JSON to stdout.
// It refuses to run outside the namespace Execute created for it: the
// spec names that namespace as the kernel does, and the child's own must
// be it (netns.Verify), whatever the environment says. It returns
// ErrInterrupted after writing a partial result when ctx was cancelled.
// opts go to the load run (the tool version, say).
func ChildMain(ctx context.Context, stdin io.Reader, stdout io.Writer, opts ...loadgen.Option) error {
	var spec childSpec
	if err := json.NewDecoder(stdin).Decode(&spec); err != nil {
		return fmt.Errorf("%w: read spec: %w", ErrOutsideSandbox, err)
	}
	if err := netns.Verify(spec.Netns); err != nil {
		return fmt.Errorf("%w: %w", ErrOutsideSandbox, err)
	}
	opts, endProgress := childProgress(opts)
	defer endProgress()
	res, err := runChild(ctx, spec, opts)
	if res == nil {
		return err
	}
	if werr := report.WriteJSON(stdout, res); werr != nil {
		return werr
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return nil
}

func runChild(ctx context.Context, spec childSpec, opts []loadgen.Option) (*report.Result, error) {
	if err := netns.Setup(spec.Sysctls); err != nil {
		return nil, err
	}
	if spec.Topology == scenarios.NAT {
		return natGateway(ctx, spec, opts)
	}
	finish := socketSummary
	var notes []string
	if spec.Topology == scenarios.TwoHosts {
		f, n, err := twoHosts(ctx, &spec)
		if err != nil {
			return nil, err
		}
		finish, notes = f, n
	} else {
		if spec.Link != nil {
			notes = append(notes, "the scenario's link shaping applies between two hosts only (--topology two-hosts)")
		}
		if err := addAddresses("lo", spec.Addresses); err != nil {
			return nil, err
		}
		stop, err := startServers(spec.Server, spec.Destinations)
		if err != nil {
			return nil, err
		}
		defer stop()
	}

	if spec.GOMAXPROCS > 0 {
		notes = append(notes, fmt.Sprintf("the load ran its goroutines on %d threads at once (GOMAXPROCS) on %d CPU(s)",
			spec.GOMAXPROCS, runtime.NumCPU()))
		runtime.GOMAXPROCS(spec.GOMAXPROCS)
	}
	pred := predict.For(predict.ReadPortSettings(), spec.Server, spec.Load)
	res, err := loadgen.Run(ctx, spec.Load, append(opts, loadgen.WithHostNetns(false))...)
	if res == nil {
		return nil, err
	}
	res.Notes = append(res.Notes, notes...)
	res.Environment.Sysctls = spec.Sysctls
	res.Environment.Topology = string(spec.Topology)
	res.Prediction = &pred
	res.Checks = predict.Check(pred, res)
	if spec.ListenProbe != "" {
		res.ListenProbe = probeListen(spec.ListenProbe)
	}
	finish(res)
	return res, err
}

// startServers starts n echo servers (at least one) on consecutive ports
// from cfg.Listen and returns the function that closes them all.
func startServers(cfg echo.Config, n int) (stop func() error, err error) {
	var servers []*echo.Server
	stop = func() error {
		for _, s := range servers {
			s.Close()
		}
		return nil
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, err
	}
	network := "tcp"
	if cfg.Protocol == echo.ProtocolUDP {
		network = "udp"
	}
	// A service name (listen: 127.0.0.1:echo) is valid too.
	first, err := net.LookupPort(network, port)
	if err != nil {
		return nil, err
	}
	for i := range max(n, 1) {
		c := cfg
		c.Listen = net.JoinHostPort(host, strconv.Itoa(first+i))
		srv, err := echo.NewServer(c)
		if err != nil {
			stop()
			return nil, err
		}
		servers = append(servers, srv)
	}
	return stop, nil
}

// socketSummary reads the namespace's socket table after a loopback run:
// TIME_WAIT outlives the run by 60 s, so it still shows who holds the ports.
func socketSummary(res *report.Result) {
	s, err := loopbackSockets(res.Config.Targets())
	if err != nil {
		res.Notes = append(res.Notes, "socket table not read: "+err.Error())
		return
	}
	res.Sockets = s
}

func loopbackSockets(targets []string) (*report.Sockets, error) {
	isTarget := map[netip.AddrPort]bool{}
	for _, t := range targets {
		ap, err := netip.ParseAddrPort(t)
		if err != nil {
			return nil, err
		}
		isTarget[ap] = true
	}
	s, err := sockstate.Take()
	if err != nil {
		return nil, err
	}
	out := &report.Sockets{States: s.States}
	for _, d := range s.Destinations {
		if isTarget[d.Remote] {
			out.TimeWaitClient += d.States["TIME_WAIT"]
			out.TargetPortsHeld += d.Ports
		}
	}
	out.TimeWaitServer = s.States["TIME_WAIT"] - out.TimeWaitClient
	return out, nil
}

// probeListen tries to start a server on addr, as a service restarting on
// a host whose clients hold its port would.
func probeListen(addr string) *report.ListenProbe {
	p := &report.ListenProbe{Addr: addr}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	ln.Close()
	p.OK = true
	return p
}
