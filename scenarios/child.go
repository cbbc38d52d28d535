package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// ChildArg is the hidden first argument that makes portlab run one sandbox
// run as the child of Execute. Every main that can be re-executed by
// Execute must pass it to ChildMain.
const ChildArg = "__sandbox"

// childSpec is what the parent sends the child on its stdin.
type childSpec struct {
	Sysctls map[string]string `json:"sysctls"`
	Server  echo.Config       `json:"server"`
	Load    loadgen.Config    `json:"load"`
}

// Exit codes of the child, beyond 0.
const (
	childFailed      = 1
	childInterrupted = 130
)

// ChildMain runs one sandbox run: it reads the spec from stdin, sets the
// namespace up, serves and loads, and writes the result JSON to stdout. It
// refuses to run outside a namespace started by Execute.
func ChildMain(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) int {
	if !netns.Inside() || netns.IsHost() {
		fmt.Fprintln(stderr, "portlab: "+ChildArg+" only runs inside the sandbox that portlab run creates")
		return childFailed
	}
	var spec childSpec
	if err := json.NewDecoder(stdin).Decode(&spec); err != nil {
		fmt.Fprintf(stderr, "portlab sandbox: read spec: %v\n", err)
		return childFailed
	}
	res, err := runChild(ctx, spec)
	if res == nil {
		fmt.Fprintf(stderr, "portlab sandbox: %v\n", err)
		return childFailed
	}
	if werr := report.WriteJSON(stdout, res); werr != nil {
		fmt.Fprintf(stderr, "portlab sandbox: %v\n", werr)
		return childFailed
	}
	if err != nil {
		return childInterrupted
	}
	return 0
}

func runChild(ctx context.Context, spec childSpec) (*report.Result, error) {
	if err := netns.Setup(spec.Sysctls); err != nil {
		return nil, err
	}
	srv, err := echo.New(spec.Server)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer srv.Close()

	env := readSandbox()
	pred := Predict(env, spec.Server, spec.Load)
	res, err := loadgen.Run(ctx, spec.Load)
	if res == nil {
		return nil, err
	}
	res.Environment.Sysctls = spec.Sysctls
	res.Prediction = &pred
	res.Checks = Check(pred, res)
	if s, serr := socketSummary(spec.Load.Target); serr == nil {
		res.Sockets = s
	} else {
		res.Notes = append(res.Notes, "socket table not read: "+serr.Error())
	}
	return res, err
}

// socketSummary reads the namespace's socket table after the run: TIME_WAIT
// outlives the run by 60 s, so it still shows who holds the ports.
func socketSummary(target string) (*report.Sockets, error) {
	ap, err := netip.ParseAddrPort(target)
	if err != nil {
		return nil, err
	}
	s, err := sockstate.Take()
	if err != nil {
		return nil, err
	}
	out := &report.Sockets{States: s.States}
	for _, d := range s.Destinations {
		if d.Remote == ap {
			out.TimeWaitClient = d.States["TIME_WAIT"]
			out.TargetPortsHeld = d.Ports
		}
	}
	out.TimeWaitServer = s.States["TIME_WAIT"] - out.TimeWaitClient
	return out, nil
}

// errNotInSandbox guards code that must only run inside a namespace.
var errNotInSandbox = errors.New("not inside a portlab sandbox")
