package scenarios

import (
	"embed"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/scenarios/predict"
)

// Scenario is a named experiment: sandbox sysctls shared by its runs, and
// runs that vary the strategy, the server or the sysctls.
type Scenario struct {
	Name        string
	Description string
	Sysctls     map[string]string
	// Addresses are added to lo in every run's namespace (e.g. a
	// 198.18.0.1/32 that is not a loopback address to the kernel).
	Addresses []string
	// Link shapes the link between the two hosts (netem delay and loss)
	// in the two-hosts topology.
	Link *topology.Netem
	// GOMAXPROCS, when set, is how many threads run the load's goroutines
	// at once, whatever the CPU count: a lesson about goroutines that
	// finish together (Go's HTTP connection pool) needs them to run in
	// parallel even on one CPU. 0 keeps Go's default, the CPUs available.
	GOMAXPROCS int
	// Topology, when set, is the topology the scenario is about (nat): it
	// runs there unless another is asked for.
	Topology Topology
	Runs     []Run
}

// Run is one variant of a scenario, run in its own namespace.
type Run struct {
	Name string
	// Lesson says what the run shows, for the report.
	Lesson  string
	Sysctls map[string]string // on top of the scenario's
	Server  echo.Config
	Load    loadgen.Config
	// ListenProbe, when set, is an address a second server tries to bind
	// after the load: can a service start while the clients hold ports?
	ListenProbe string
	Expect      []predict.Expectation
	// Destinations is how many echo servers, on consecutive ports from
	// Server.Listen, the load spreads over (Load.Target lists them); 0 or
	// 1 is one server.
	Destinations int
	// Link shapes the two-hosts link for this run (the scenario's unless
	// the run sets its own).
	Link *topology.Netem
	// Topology, when set, is the only topology the run makes sense in
	// (e.g. a lesson about loopback); in the other it is skipped.
	Topology Topology
	// Gateway is the run's NAT gateway in the nat topology: the
	// scenario's gateway section, then the run's, over one client behind
	// one address with every unprivileged port.
	Gateway topology.Gateway
}

// Run returns the run called name (a result's label), or nil. Reports
// find a result's run this way, never by position: a run skipped in one
// topology has no result, so positions shift.
func (s *Scenario) Run(name string) *Run {
	for i := range s.Runs {
		if s.Runs[i].Name == name {
			return &s.Runs[i]
		}
	}
	return nil
}

// SysctlsFor returns the sysctls run r applies: the scenario's, then the run's.
func (s *Scenario) SysctlsFor(r *Run) map[string]string {
	out := maps.Clone(s.Sysctls)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, r.Sysctls)
	return out
}

// LabAddr is where the sandbox's echo server listens: a port below every
// OS's ephemeral range, so it never competes with the client's ports.
const LabAddr = "127.0.0.1:7777"

// labRange is the default lab's ephemeral range: 1,000 ports, so onset
// comes in well under a second.
const labRange = "40000 40999"

// LabServer is the lab's echo server: echo.DefaultConfig listening on
// LabAddr, edited by mutate (nil keeps it).
func LabServer(mutate func(*echo.Config)) echo.Config {
	c := echo.DefaultConfig()
	c.Listen = LabAddr
	if mutate != nil {
		mutate(&c)
	}
	return c
}

// LabLoad is a lab run's load: loadgen.DefaultConfig toward LabAddr for
// 2 s in 250 ms intervals, edited by mutate (nil keeps it).
func LabLoad(mutate func(*loadgen.Config)) loadgen.Config {
	c := loadgen.DefaultConfig()
	c.Target = LabAddr
	c.Duration = 2 * time.Second
	c.Interval = 250 * time.Millisecond
	if mutate != nil {
		mutate(&c)
	}
	return c
}

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// Default is the scenario `portlab run` runs with no argument.
const Default = "exhaustion"

// Builtin returns the built-in scenario called name.
func Builtin(name string) (*Scenario, error) {
	data, err := builtinFiles.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in scenario %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	return Parse("builtin/"+name+".yaml", data)
}

// BuiltinSource returns the YAML of a built-in scenario, for users to copy.
func BuiltinSource(name string) ([]byte, error) {
	data, err := builtinFiles.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in scenario %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	return data, nil
}

// Names lists the built-in scenarios, the default first.
func Names() []string {
	entries, _ := builtinFiles.ReadDir("builtin")
	names := []string{Default}
	for _, e := range entries {
		if n := strings.TrimSuffix(e.Name(), ".yaml"); n != Default {
			names = append(names, n)
		}
	}
	return names
}
