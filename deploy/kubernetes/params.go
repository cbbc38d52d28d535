package kubernetes

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Names of the objects and of the label every pod carries.
const (
	JobName       = "portlab-load"
	EchoName      = "portlab-echo"
	EchoPort      = 7777
	NameLabel     = "app.kubernetes.io/name"
	LoadContainer = "load"
	EchoContainer = "echo"
	// DefaultImage is the name deploy/image gives the image it builds.
	DefaultImage = "portlab:dev"
	// UID is the image's non-root user (deploy/image's 65532).
	UID = 65532
)

// Params is the one source of the manifests: the load as a whole, which
// the Job splits into Shards pods (each runs its exact share of the rate,
// the concurrency and the requests).
type Params struct {
	Shards      int           // pods, each one shard: parallelism = completions
	Target      string        // HOST:PORT every shard loads
	Mode        string        // portlab load --mode
	Rate        float64       // requests per second, all shards together (0 = closed loop)
	Concurrency int           // workers or requests in flight, all shards together
	Requests    int64         // requests, all shards together (0 = for Duration)
	Duration    time.Duration // how long each shard runs
	StartAt     string        // RFC 3339 instant every shard starts at ("" = at once)
	Image       string        // the image of every container
	PortRange   [2]int        // net.ipv4.ip_local_port_range of each load pod
	CPU         string        // CPU request of each load pod
}

// DefaultParams are the committed manifests' parameters: 4 shards of new
// connections at 2,000/s in all against the in-cluster echo server. At
// 500/s per pod, 60 s of TIME_WAIT is 30,000 ports toward the one
// destination: more than Linux's default range (28,232) holds, well inside
// the 64,512 of the range set here.
func DefaultParams() Params {
	return Params{
		Shards:      4,
		Target:      net.JoinHostPort(EchoName, strconv.Itoa(EchoPort)),
		Mode:        "new",
		Rate:        2000,
		Concurrency: 64,
		Duration:    60 * time.Second,
		Image:       DefaultImage,
		// Start and end of different parity, as the kernel asks (it logs
		// "prefer different parity for start/end values" otherwise).
		PortRange: [2]int{1024, 65535},
		CPU:       "1",
	}
}

// Validate names the parameter that is wrong.
func (p Params) Validate() error {
	switch {
	case p.Shards < 1:
		return fmt.Errorf("shards: must be >= 1, got %d", p.Shards)
	case p.Concurrency < p.Shards:
		return fmt.Errorf("concurrency: must be >= shards (%d) so every shard has a worker, got %d", p.Shards, p.Concurrency)
	case p.Requests != 0 && p.Requests < int64(p.Shards):
		return fmt.Errorf("requests: must be 0 or >= shards (%d), got %d", p.Shards, p.Requests)
	case p.Rate < 0:
		return fmt.Errorf("rate: must be >= 0, got %g", p.Rate)
	case p.Duration <= 0:
		return fmt.Errorf("duration: must be > 0, got %v", p.Duration)
	case p.Image == "":
		return fmt.Errorf("image: required")
	}
	if _, port, err := net.SplitHostPort(p.Target); err != nil || port == "" {
		return fmt.Errorf("target: want HOST:PORT, got %q", p.Target)
	}
	if _, err := resource.ParseQuantity(p.CPU); err != nil {
		return fmt.Errorf("cpu: want a Kubernetes quantity (1, 500m), got %q", p.CPU)
	}
	if p.StartAt != "" {
		if _, err := time.Parse(time.RFC3339, p.StartAt); err != nil {
			return fmt.Errorf("start-at: want RFC 3339, got %q", p.StartAt)
		}
	}
	return checkPortRange(p.PortRange[0], p.PortRange[1])
}

// checkPortRange accepts a range the kernel takes without complaint that
// leaves the privileged ports alone.
func checkPortRange(lo, hi int) error {
	if lo < 1024 || hi > 65535 || lo >= hi {
		return fmt.Errorf("port range: want 1024 <= low < high <= 65535, got %d %d", lo, hi)
	}
	if (lo^hi)&1 == 0 {
		return fmt.Errorf("port range: %d %d: the kernel prefers start and end of different parity", lo, hi)
	}
	return nil
}

// PerShard is one shard's concurrency as the engine splits it: the
// remainder goes to the first shards, so the largest share is rounded up.
func (p Params) PerShard() int {
	return (p.Concurrency + p.Shards - 1) / p.Shards
}

// LoadArgs is the command line of every load pod (the image's entrypoint
// is portlab): the whole load and --shards N; each pod takes its shard
// from JOB_COMPLETION_INDEX. --json puts the result on stdout, so the
// pod's log is the result (see collect.sh).
func (p Params) LoadArgs() []string {
	args := []string{"load",
		"--shards", strconv.Itoa(p.Shards),
		"--target", p.Target,
		"--mode", p.Mode,
		"--concurrency", strconv.Itoa(p.Concurrency),
		"--duration", p.Duration.String(),
	}
	if p.Rate > 0 {
		args = append(args, "--rate", strconv.FormatFloat(p.Rate, 'f', -1, 64))
	}
	if p.Requests > 0 {
		args = append(args, "--requests", strconv.FormatInt(p.Requests, 10))
	}
	if p.StartAt != "" {
		args = append(args, "--start-at", p.StartAt)
	}
	return append(args, "--json", "--quiet")
}

// Flags is the generator's command line that gives p.
func (p Params) Flags() []string {
	f := []string{
		"-shards", strconv.Itoa(p.Shards),
		"-target", p.Target,
		"-mode", p.Mode,
		"-rate", strconv.FormatFloat(p.Rate, 'f', -1, 64),
		"-concurrency", strconv.Itoa(p.Concurrency),
		"-requests", strconv.FormatInt(p.Requests, 10),
		"-duration", p.Duration.String(),
	}
	if p.StartAt != "" {
		f = append(f, "-start-at", p.StartAt)
	}
	return append(f, "-image", p.Image, "-cpu", p.CPU,
		"-port-range", fmt.Sprintf("'%d %d'", p.PortRange[0], p.PortRange[1]))
}
