package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/loadgen"
)

// Scenario is a named experiment: sandbox sysctls shared by its runs, and
// runs that vary the strategy, the server or the sysctls.
type Scenario struct {
	Name        string
	Description string
	Sysctls     map[string]string
	Runs        []Run
}

// Run is one variant of a scenario, run in its own namespace.
type Run struct {
	Name string
	// Lesson says what the run shows, for the report.
	Lesson  string
	Sysctls map[string]string // on top of the scenario's
	Server  echo.Config
	Load    loadgen.Config
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

func labServer(mutate func(*echo.Config)) echo.Config {
	c := echo.DefaultConfig()
	c.Listen = LabAddr
	if mutate != nil {
		mutate(&c)
	}
	return c
}

func labLoad(mutate func(*loadgen.Config)) loadgen.Config {
	c := loadgen.DefaultConfig()
	c.Target = LabAddr
	c.Duration = 2 * time.Second
	c.Interval = 250 * time.Millisecond
	if mutate != nil {
		mutate(&c)
	}
	return c
}

// exhaustionLab is the default lab: the exhaustion case beside each cure.
func exhaustionLab() *Scenario {
	return &Scenario{
		Name:        "exhaustion",
		Description: "new connection per request exhausts 1,000 ports; pooling, keep-alive, tcp_tw_reuse, server-closes-first and SO_LINGER 0 side by side",
		Sysctls: map[string]string{
			"net.ipv4.ip_local_port_range": labRange,
			"net.ipv4.tcp_tw_reuse":        "0",
		},
		Runs: []Run{
			{
				Name:   "new-conn",
				Lesson: "a new connection per request, client closes first: every request leaves its port in TIME_WAIT for 60 s",
				Server: labServer(nil),
				Load:   labLoad(func(c *loadgen.Config) { c.Label = "new-conn" }),
			},
			{
				Name:   "pool",
				Lesson: "a pool of 16 connections reuses its ports: nothing waits in TIME_WAIT",
				Server: labServer(nil),
				Load:   labLoad(func(c *loadgen.Config) { c.Label, c.Mode = "pool", loadgen.ModePool }),
			},
			{
				Name:   "keepalive",
				Lesson: "keep-alive: each worker keeps its connection, so ports are opened once, not per request",
				Server: labServer(nil),
				Load:   labLoad(func(c *loadgen.Config) { c.Label, c.Mode = "keepalive", loadgen.ModeKeepAlive }),
			},
			{
				Name:    "tw-reuse",
				Lesson:  "tcp_tw_reuse=1 lets connect() take over a TIME_WAIT port 1 s (tcp_tw_reuse_delay) after its last packet: errors until the first ports age, then churn near ports per second",
				Sysctls: map[string]string{"net.ipv4.tcp_tw_reuse": "1"},
				Server:  labServer(nil),
				Load: labLoad(func(c *loadgen.Config) {
					c.Label, c.Duration = "tw-reuse", 4*time.Second
				}),
			},
			{
				Name:   "server-closes",
				Lesson: "the server closes first, so TIME_WAIT lands on the server's side, where it costs no ephemeral port",
				Server: labServer(func(c *echo.Config) { c.Close = echo.CloseServer }),
				Load: labLoad(func(c *loadgen.Config) {
					c.Label, c.AwaitServerClose = "server-closes", true
				}),
			},
			{
				Name:   "linger0",
				Lesson: "SO_LINGER 0 makes close() send RST: no TIME_WAIT, but data still in flight is lost and the peer sees ECONNRESET",
				Server: labServer(nil),
				Load:   labLoad(func(c *loadgen.Config) { c.Label, c.Linger = "linger0", 0 }),
			},
		},
	}
}

var builtins = map[string]func() *Scenario{
	"exhaustion": exhaustionLab,
}

// Default is the scenario `portlab run` runs with no argument.
const Default = "exhaustion"

// Builtin returns the built-in scenario called name.
func Builtin(name string) (*Scenario, error) {
	f, ok := builtins[name]
	if !ok {
		return nil, fmt.Errorf("no built-in scenario %q (have: %v)", name, Names())
	}
	return f(), nil
}

// Names lists the built-in scenarios.
func Names() []string {
	return slices.Sorted(maps.Keys(builtins))
}
