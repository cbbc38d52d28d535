package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios/predict"
)

// ClientHostArg is the first argument of a client host's command line: the
// same binary, started by the NAT gateway of a nat run.
const ClientHostArg = "__client_host"

// clientHostSpec is what the gateway tells client host Index to run.
type clientHostSpec struct {
	Index      int            `json:"index"`
	Load       loadgen.Config `json:"load"`
	GOMAXPROCS int            `json:"gomaxprocs,omitempty"`
	// ListenProbe is the run's listen probe, tried after the load.
	ListenProbe string `json:"listen_probe,omitempty"`
}

// clientHostMain is a client host of a nat run: it sets up the load given
// as JSON in args[1] toward the server behind the gateway (its preflight
// included), and when the gateway says go, runs it and reports its result,
// with its socket table read as on one host.
func clientHostMain(ctx context.Context, args []string, opts []loadgen.Option) error {
	var spec clientHostSpec
	if len(args) < 2 || json.Unmarshal([]byte(args[1]), &spec) != nil {
		return errors.New("no load configuration")
	}
	return topology.ServeClient(ctx, func(ctx context.Context) (func(context.Context) (any, error), error) {
		extra, err := mapSources(spec.Load.SourceIPs, func(extra int) netip.Addr { return topology.NATClientAddr(spec.Index, extra) })
		if err != nil {
			return nil, err
		}
		if err := addAddresses(topology.ClientLink, extra); err != nil {
			return nil, err
		}
		if spec.GOMAXPROCS > 0 {
			runtime.GOMAXPROCS(spec.GOMAXPROCS)
		}
		r, err := loadgen.New(ctx, spec.Load, append(opts, loadgen.WithHostNetns(false))...)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) (any, error) {
			res, err := r.Run(ctx)
			if res == nil {
				return nil, err
			}
			socketSummary(res)
			if spec.ListenProbe != "" {
				res.ListenProbe = probeListen(spec.ListenProbe)
			}
			return res, err
		}, nil
	})
}

// natGateway is the sandbox child of a nat run: the child's namespace is
// the gateway. It starts the server host behind it, turns itself into the
// gateway, starts the client hosts (each runs the run's load), samples its
// conntrack table while they run, and returns their results merged, with
// the gateway's state, the prediction and its checks.
func natGateway(ctx context.Context, spec childSpec, opts []loadgen.Option) (*report.Result, error) {
	g := *spec.Gateway
	if err := moveServer(&spec, topology.NATServerAddr); err != nil {
		return nil, err
	}
	server, err := json.Marshal(serverHostSpec{spec.Server, spec.Destinations})
	if err != nil {
		return nil, err
	}
	srv, err := topology.StartPeer(ctx, topology.NATServerVeth(), spec.Sysctls, nil, ServerHostArg, string(server))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if err := topology.SetupGateway(g); err != nil {
		return nil, err
	}
	pred := predict.ForNAT(predict.For(predict.ReadPortSettings(), spec.Server, spec.Load), g, spec.Load)
	sampler := startSampler(spec.Load.Interval)
	results, notes, runErr := runClients(ctx, spec, g, opts)
	samples := sampler.stop()
	if runErr != nil && ctx.Err() == nil {
		// A client host that failed leaves a result that is not the
		// run's: say why instead.
		return nil, runErr
	}
	if len(results) == 0 {
		return nil, runErr
	}
	res := results[0]
	if len(results) > 1 {
		if res, err = report.Merge(results...); err != nil {
			return nil, errors.Join(runErr, err)
		}
		res.ListenProbe = results[0].ListenProbe // the first client's
	}
	// A client missing here was cut short by the interruption: the notes
	// say whose requests the result lacks.
	res.Interrupted = res.Interrupted || len(results) < g.Clients
	serverSocks, serr := srv.Stop()
	finishNAT(res, spec, g, pred, samples)
	res.Notes = append(res.Notes, notes...)
	if serr == nil && res.Sockets != nil {
		res.Sockets.TimeWaitServer = serverSocks.TimeWait
	}
	return res, runErr
}

// runClients starts the gateway's client hosts, each running the run's
// load, and waits for their results; notes give each client's figures,
// and name each client whose requests are missing from the results.
func runClients(ctx context.Context, spec childSpec, g topology.Gateway, opts []loadgen.Option) ([]*report.Result, []string, error) {
	peers, err := startClients(ctx, spec, g)
	if err != nil {
		return nil, nil, err
	}
	// Every client is set up (its preflight done) before any loads: a
	// preflight among another client's load could find the pool taken.
	for k, p := range peers {
		if err := p.Go(); err != nil {
			closePeers(peers)
			return nil, nil, fmt.Errorf("client host %d: %w", k+1, err)
		}
	}
	return collectClients(ctx, g, waitClients(ctx, peers, clientBound(spec.Load)))
}

// clientBound is how long a client host's load may run before the gateway
// stops it: its duration, its timeouts and a grace for the wind-down; 0
// (no bound but ctx) for a load without a duration.
func clientBound(load loadgen.Config) time.Duration {
	if load.Duration <= 0 {
		return 0
	}
	return load.Duration + max(load.ConnectTimeout, load.Timeout) + clientGrace
}

// clientGrace is what a client host's run may take beyond its duration and
// timeouts: the wind-down, the socket table, the report's encoding.
const clientGrace = 30 * time.Second

// startClients starts the client hosts; on a failure it ends those it
// started.
func startClients(ctx context.Context, spec childSpec, g topology.Gateway) ([]*topology.Peer, error) {
	var peers []*topology.Peer
	for k := range g.Clients {
		b, err := json.Marshal(clientHostSpec{Index: k, Load: spec.Load, GOMAXPROCS: spec.GOMAXPROCS, ListenProbe: spec.ListenProbe})
		if err == nil {
			var p *topology.Peer
			p, err = topology.StartPeer(ctx, topology.NATClientVeth(k), spec.Sysctls, nil, ClientHostArg, string(b))
			peers = append(peers, p)
		}
		if err != nil {
			closePeers(peers[:k])
			return nil, fmt.Errorf("client host %d: %w", k+1, err)
		}
	}
	return peers, nil
}

// closePeers ends peers at once, each within its own grace period rather
// than one after the other.
func closePeers(peers []*topology.Peer) {
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Go(func() { _ = p.Close() })
	}
	wg.Wait()
}

// clientEnd is what one client host reported when it ended.
type clientEnd struct {
	rep json.RawMessage
	err error
}

// waitClients waits for every client host at once: when ctx ends, each is
// asked to stop at the same moment, so N clients report within one
// stop timeout, not N of them (the parent kills a child that lingers). A
// client still running after bound (when > 0) is stopped too, and its
// error says so.
func waitClients(ctx context.Context, peers []*topology.Peer, bound time.Duration) []clientEnd {
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if bound > 0 {
		wctx, cancel = context.WithTimeout(ctx, bound)
	}
	defer cancel()
	ends := make([]clientEnd, len(peers))
	var wg sync.WaitGroup
	for k, p := range peers {
		wg.Go(func() {
			_, rep, err := p.Wait(wctx)
			if wctx.Err() != nil && ctx.Err() == nil {
				err = fmt.Errorf("its load did not end within %s, so it was stopped: %w", bound, errors.Join(err, wctx.Err()))
			}
			ends[k] = clientEnd{rep, err}
		})
	}
	wg.Wait()
	return ends
}

// collectClients reads the clients' reports. A client without one (it
// died, or did not report in time) is named in the notes, so a partial
// result says whose requests it lacks.
func collectClients(ctx context.Context, g topology.Gateway, ends []clientEnd) ([]*report.Result, []string, error) {
	var (
		results []*report.Result
		notes   []string
		errs    []error
	)
	for k, e := range ends {
		res, err := clientResult(e)
		if res == nil {
			errs = append(errs, fmt.Errorf("client host %d: %w", k+1, err))
			notes = append(notes, fmt.Sprintf("client %d (%s) reported no result (%v): its requests are not counted", k+1, topology.NATClientAddr(k, 0), err))
			continue
		}
		if err != nil && ctx.Err() == nil {
			errs = append(errs, fmt.Errorf("client host %d: %w", k+1, err))
		}
		results = append(results, res)
		if g.Clients > 1 {
			notes = append(notes, fmt.Sprintf("client %d (%s): %d connections opened, %d requests ok, %d timeouts",
				k+1, topology.NATClientAddr(k, 0), res.Totals.ConnectionsOpened, res.Totals.RequestsOK, res.Errors[predict.OnsetTimeout]))
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return results, notes, errors.Join(errs...)
}

// clientResult is a client's result, with the error it ended with; a nil
// result when it sent none.
func clientResult(e clientEnd) (*report.Result, error) {
	if len(e.rep) == 0 {
		if e.err == nil {
			e.err = errors.New("an empty report")
		}
		return nil, e.err
	}
	res, err := report.Unmarshal(e.rep)
	if err != nil {
		return nil, err
	}
	return res, e.err
}

// finishNAT records the gateway, the prediction and its checks in res.
func finishNAT(res *report.Result, spec childSpec, g topology.Gateway, pred report.Prediction, samples []sample) {
	res.Environment.Sysctls = spec.Sysctls
	res.Environment.Topology = string(spec.Topology)
	res.Prediction = &pred
	res.Gateway = &report.Gateway{
		Clients: g.Clients, PortMin: g.SNATPorts.Min, PortMax: g.SNATPorts.Max,
		SNATAddresses: snatAddresses(g),
	}
	conntrackSettings(res.Gateway)
	placeSamples(res, samples)
	res.Checks = predict.Check(pred, res)
	if g.Clients > 1 {
		// Each client counts its own connections before its first
		// timeout: the pool's flows are all the clients' together.
		res.Checks = dropCheck(res.Checks, "onset_after_connections")
	}
	peak, ok := peakEstablished(samples)
	res.Gateway.PeakEstablished = peak
	if ok && pred.OnsetClass == predict.OnsetTimeout {
		res.Checks = append(res.Checks, report.Check{Name: "gateway_flows", Predicted: float64(pred.SNATPoolFlows),
			Measured: float64(peak), Ratio: float64(peak) / float64(pred.SNATPoolFlows)})
	}
	res.Notes = append(res.Notes, fmt.Sprintf("behind a NAT gateway: %d client(s), SNAT pool %d address(es) x ports %s (%s)",
		g.Clients, g.SNATAddresses, g.SNATPorts, g.Spread))
}

// snatAddresses lists the gateway's SNAT pool addresses.
func snatAddresses(g topology.Gateway) []string {
	out := make([]string, g.SNATAddresses)
	for i := range out {
		out[i] = topology.SNATAddr(i).String()
	}
	return out
}

// dropCheck returns checks without the one named name.
func dropCheck(checks []report.Check, name string) []report.Check {
	var out []report.Check
	for _, c := range checks {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}
