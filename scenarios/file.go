package scenarios

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/regularfile"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/scenarios/predict"
)

// The scenario file format. Every field is optional unless Validate says
// otherwise; a run's server, load and sandbox settings override the
// scenario's. Server sections decode into an echo.Config and load sections
// (defaults, a run's load) into a fileLoad: the knobs' YAML keys are their
// tags there, the flags' names with "_" for "-".
type fileScenario struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Sandbox     map[string]string `yaml:"sandbox"`
	Addresses   []string          `yaml:"addresses"`
	Link        *fileLink         `yaml:"link"`
	GOMAXPROCS  int               `yaml:"gomaxprocs"`
	Topology    string            `yaml:"topology"`
	Gateway     yaml.Node         `yaml:"gateway"`
	Server      yaml.Node         `yaml:"server"`
	Defaults    yaml.Node         `yaml:"defaults"`
	Runs        []fileRun         `yaml:"runs"`
}

// fileLink shapes the two-hosts link with netem.
type fileLink struct {
	Delay       time.Duration `yaml:"delay"`
	LossPercent float64       `yaml:"loss_percent"`
}

type fileRun struct {
	Name        string            `yaml:"name"`
	Lesson      string            `yaml:"lesson"`
	Sandbox     map[string]string `yaml:"sandbox"`
	Server      yaml.Node         `yaml:"server"`
	Load        yaml.Node         `yaml:"load"`
	ListenProbe string            `yaml:"listen_probe"`
	Topology    string            `yaml:"topology"`
	Link        *fileLink         `yaml:"link"`
	Gateway     yaml.Node         `yaml:"gateway"`
	Expect      map[string]string `yaml:"expect"`
}

// fileLoad is a load section: the load's knobs and the one key only a
// scenario has.
type fileLoad struct {
	config.Load `yaml:",inline"`
	// Destinations is how many echo servers the load spreads over.
	Destinations int `yaml:"destinations"`
}

// ErrInvalid wraps every problem with a scenario file.
var ErrInvalid = errors.New("invalid scenario")

// LoadFile reads and validates a scenario file: a regular file (or a
// symlink to one) of at most MaxFileBytes.
func LoadFile(path string) (*Scenario, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// ReadFile reads a scenario file as LoadFile does, bounded and typed: a
// regular file of at most MaxFileBytes, or an ErrInvalid saying why not.
func ReadFile(path string) ([]byte, error) {
	data, err := regularfile.Read(path, MaxFileBytes, "a scenario file", "a scenario is a YAML file")
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, path, err)
	}
	return data, nil
}

// Parse decodes a scenario strictly (unknown fields are errors), applies
// defaults, then validates it once. Errors read "file:line: field: problem".
// A file over MaxFileBytes, or over the limits of its lists and mappings,
// is refused before anything is decoded.
func Parse(file string, data []byte) (*Scenario, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes is larger than a scenario file may be (%d MiB)", ErrInvalid, file, len(data), MaxFileBytes>>20)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	if err := checkTree(&root); err != nil {
		return nil, fmt.Errorf("%w: %s:%v", ErrInvalid, file, err)
	}
	var fs fileScenario
	if err := root.Decode(&fs); err != nil {
		return nil, yamlError(file, err)
	}
	sc, err := build(&fs)
	if err != nil {
		var fe *fieldError
		var de *decodeError
		switch {
		case errors.As(err, &fe):
			// Lines are indexed only now: a valid file needs none.
			lines := map[string]int{}
			indexLines(&root, "", lines)
			return nil, fmt.Errorf("%w: %s:%d: %s: %s", ErrInvalid, file, lineOf(lines, fe.path), fe.path, fe.problem)
		case errors.As(err, &de):
			return nil, yamlError(file, de.err)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, file, err)
	}
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	return sc, nil
}

// yamlLineRE finds the line number in go.yaml.in/yaml's messages.
var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

func yamlError(file string, err error) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		problem := strings.Replace(m[2], "field ", "", 1)
		problem = regexp.MustCompile(` in type scenarios\.\w+`).ReplaceAllString(problem, "")
		if strings.HasSuffix(problem, " not found") {
			problem = strings.TrimSuffix(problem, " not found") + ": unknown field"
		}
		return fmt.Errorf("%w: %s:%s: %s", ErrInvalid, file, m[1], problem)
	}
	return fmt.Errorf("%w: %s: %s", ErrInvalid, file, strings.TrimPrefix(msg, "yaml: "))
}

// indexLines records the line of every mapping key and sequence item under
// its dotted path ("runs[1].load.concurrency").
func indexLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			lines[p] = n.Content[i].Line
			indexLines(n.Content[i+1], p, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = c.Line
			indexLines(c, p, lines)
		}
	}
}

// lineOf finds the line of path, or of its nearest parent present in the
// file (a default applied to a run has no line of its own).
func lineOf(lines map[string]int, path string) int {
	if _, ok := lines[path]; !ok {
		// A run's setting that came from the scenario's layer is on the
		// scenario's line.
		if m := inheritedRE.FindStringSubmatch(path); m != nil {
			layer := map[string]string{"load": "defaults", "server": "server", "sandbox": "sandbox"}[m[1]]
			if l, ok := lines[layer+"."+m[2]]; ok {
				return l
			}
		}
	}
	for p := path; p != ""; {
		if l, ok := lines[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 1
}

var inheritedRE = regexp.MustCompile(`^runs\[\d+\]\.(load|server|sandbox)\.(.+)$`)

type fieldError struct{ path, problem string }

func (e *fieldError) Error() string { return e.path + ": " + e.problem }

func fieldErr(path, format string, args ...any) error {
	return &fieldError{path, fmt.Sprintf(format, args...)}
}

// build applies defaults and validates, turning the file into a Scenario.
func build(fs *fileScenario) (*Scenario, error) {
	if fs.Name != "" && !validName.MatchString(fs.Name) {
		return nil, fieldErr("name", "must be lower-case letters, digits and dashes, got %q", fs.Name)
	}
	if len(fs.Runs) == 0 {
		return nil, fieldErr("runs", "at least one run is required")
	}
	sysctls, err := sandbox("sandbox", fs.Sandbox)
	if err != nil {
		return nil, err
	}
	if err := checkAddresses(fs.Addresses); err != nil {
		return nil, err
	}
	// Go keeps GOMAXPROCS in an int32 and allocates a P for each: a huge
	// value crashes the child.
	if fs.GOMAXPROCS < 0 || fs.GOMAXPROCS > maxGOMAXPROCS {
		return nil, fieldErr("gomaxprocs", "must be 0..%d, got %d", maxGOMAXPROCS, fs.GOMAXPROCS)
	}
	sc := &Scenario{Name: fs.Name, Description: fs.Description, Sysctls: sysctls, Addresses: fs.Addresses, GOMAXPROCS: fs.GOMAXPROCS}
	if sc.Link, err = link("link", fs.Link); err != nil {
		return nil, err
	}
	if fs.Topology != "" {
		if sc.Topology, err = ParseTopology(fs.Topology); err != nil {
			return nil, fieldErr("topology", "%v", strings.TrimPrefix(err.Error(), "topology: "))
		}
	}
	if _, err := gatewayOf("gateway", &fs.Gateway); err != nil {
		return nil, err
	}
	sh, err := sharedLayers(fs)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range fs.Runs {
		fr := &fs.Runs[i]
		at := fmt.Sprintf("runs[%d]", i)
		if fr.Name == "" {
			return nil, fieldErr(at+".name", "required")
		}
		if !validName.MatchString(fr.Name) {
			return nil, fieldErr(at+".name", "must be lower-case letters, digits and dashes, got %q", fr.Name)
		}
		if seen[fr.Name] {
			return nil, fieldErr(at+".name", "%q is used by another run", fr.Name)
		}
		seen[fr.Name] = true
		r, err := buildRun(at, fs, sh, fr)
		if err != nil {
			return nil, err
		}
		if r.Link == nil {
			r.Link = sc.Link
		}
		sc.Runs = append(sc.Runs, r)
	}
	return sc, nil
}

// buildRun turns one run of the file into a Run: its load and server are
// the lab's defaults with the scenario's sections decoded over them, then
// the run's.
func buildRun(at string, fs *fileScenario, sh *shared, fr *fileRun) (Run, error) {
	r := Run{Name: fr.Name, Lesson: fr.Lesson}
	var err error
	if r.Sysctls, err = sandbox(at+".sandbox", fr.Sandbox); err != nil {
		return r, err
	}
	if err = configs(at, sh, fs.Addresses, fr, &r); err != nil {
		return r, err
	}
	if r.Link, err = link(at+".link", fr.Link); err != nil {
		return r, err
	}
	if r.Gateway, err = gatewayOf(at+".gateway", &fs.Gateway, &fr.Gateway); err != nil {
		return r, err
	}
	if fr.Topology != "" {
		if r.Topology, err = ParseTopology(fr.Topology); err != nil {
			return r, fieldErr(at+".topology", "%v", strings.TrimPrefix(err.Error(), "topology: "))
		}
	}
	if fr.ListenProbe != "" {
		if _, err := netip.ParseAddrPort(fr.ListenProbe); err != nil {
			return r, fieldErr(at+".listen_probe", "%q is not IP:PORT", fr.ListenProbe)
		}
		r.ListenProbe = fr.ListenProbe
	}
	keys := make([]string, 0, len(fr.Expect))
	for k := range fr.Expect {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e, err := predict.ParseExpectation(k, fr.Expect[k])
		if err != nil {
			return r, fieldErr(at+".expect."+k, "%v", err)
		}
		r.Expect = append(r.Expect, e)
	}
	return r, nil
}

// checkAddresses refuses what adding the addresses to lo would: lo has
// 127.0.0.1/8 and ::1/128 already, and an address with its prefix length
// is added once.
func checkAddresses(addresses []string) error {
	have := map[netip.Prefix]bool{netip.MustParsePrefix("127.0.0.1/8"): true, netip.MustParsePrefix("::1/128"): true}
	for i, a := range addresses {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return fieldErr(fmt.Sprintf("addresses[%d]", i), "%q is not an address with a prefix length (198.18.0.1/32)", a)
		}
		if have[p] {
			return fieldErr(fmt.Sprintf("addresses[%d]", i), "%s is on lo already", a)
		}
		have[p] = true
	}
	return nil
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func sandbox(at string, m map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range m {
		check, ok := sandboxSysctls[k]
		if !ok {
			return nil, fieldErr(at+"."+k, "not a sysctl the sandbox sets (have: %s)", strings.Join(slices.Sorted(maps.Keys(sandboxSysctls)), ", "))
		}
		w, err := check(v)
		if err != nil {
			return nil, fieldErr(at+"."+k, "%v", err)
		}
		out["net.ipv4."+k] = w
	}
	return out, nil
}

// shared is the lab's defaults with the scenario's sections decoded over
// them. They are decoded once, not once per run: a run starts from a copy,
// so a large defaults section costs its size once, not times the runs.
type shared struct {
	load fileLoad
	srv  echo.Config
}

// unsetPayload marks a server payload that no section set: it follows the
// run's load.
const unsetPayload = math.MinInt

func sharedLayers(fs *fileScenario) (*shared, error) {
	sh := &shared{load: fileLoad{Load: LabLoad(nil)}, srv: LabServer(nil)}
	sh.load.Target = "" // unless a section sets it, the load goes where the server listens
	sh.srv.Payload = unsetPayload
	if err := decodeLayers(&sh.load, &fs.Defaults); err != nil {
		return nil, err
	}
	if err := decodeLayers(&sh.srv, &fs.Server); err != nil {
		return nil, err
	}
	return sh, nil
}

// configs decodes a run's load and server, its sections over the shared
// ones, then validates both.
func configs(at string, sh *shared, addresses []string, fr *fileRun, r *Run) error {
	load := sh.load
	load.SourceIPs = slices.Clone(load.SourceIPs)
	if err := decodeLayers(&load, &fr.Load); err != nil {
		return err
	}
	if load.Label != "" {
		return fieldErr(at+".load.label", "a run is labelled by its name")
	}
	load.Label = fr.Name
	srv := sh.srv
	if srv.Payload == unsetPayload {
		// The server reads one request of the client's size before
		// closing (and answers an HTTP GET, which sends none, with its
		// default size).
		srv.Payload = LabServer(nil).Payload
		if load.Payload > 0 {
			srv.Payload = load.Payload
		}
	}
	if err := decodeLayers(&srv, &fr.Server); err != nil {
		return err
	}
	// The server first: a bad listen address is the server's, though the
	// load's target follows it.
	if err := srv.Validate(); err != nil {
		return fieldOf(at+".server.", err)
	}
	srv.Listen = numericPort(srv)
	if load.Target == "" {
		load.Target = srv.Listen
	}
	if err := destinationsOf(at, &load, srv.Listen); err != nil {
		return err
	}
	if load.Duration > maxRunDuration {
		return fieldErr(at+".load.duration", "a sandbox run lasts at most %s, got %s", maxRunDuration, load.Duration)
	}
	// Bounded before they are checked, once per run.
	if n := strings.Count(load.Target, ",") + 1; n > maxDestinations {
		return fieldErr(at+".load.target", "a sandbox run has at most %d destinations, got %d", maxDestinations, n)
	}
	if n := len(load.SourceIPs); n > maxSources {
		return fieldErr(at+".load.source_ips", "a sandbox run has at most %d source addresses, got %d", maxSources, n)
	}
	if err := load.Validate(); err != nil {
		return fieldOf(at+".load.", err)
	}
	if err := inNamespace(at, addresses, srv, &load.Load); err != nil {
		return err
	}
	r.Load, r.Server, r.Destinations = load.Load, srv, load.Destinations
	return nil
}

// inNamespace checks that the server's and the load's addresses exist in
// the sandbox's namespace, where only lo is up, with 127.0.0.0/8, ::1 and
// the scenario's addresses: any other fails to bind, and a name other than
// localhost cannot be resolved without a network. (The two-hosts topology
// moves them onto its link.)
func inNamespace(at string, addresses []string, srv echo.Config, load *config.Load) error {
	local := func(host string) bool {
		if host == "" || host == "localhost" {
			return true
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return false
		}
		a = a.Unmap()
		if a.IsLoopback() || a.IsUnspecified() {
			return true
		}
		for _, p := range addresses {
			if pf, err := netip.ParsePrefix(p); err == nil && pf.Masked().Contains(a) {
				return true
			}
		}
		return false
	}
	const where = "is not an address of the sandbox (127.0.0.0/8, ::1, localhost or the scenario's addresses)"
	if host, _, _ := net.SplitHostPort(srv.Listen); !local(host) {
		return fieldErr(at+".server.listen", "%q %s", host, where)
	}
	for _, t := range load.Targets() {
		if host, _, _ := net.SplitHostPort(t); !local(host) {
			return fieldErr(at+".load.target", "%q %s", host, where)
		}
	}
	for i, s := range load.SourceIPs {
		if !local(s) || s == "" || s == "localhost" {
			return fieldErr(fmt.Sprintf("%s.load.source_ips[%d]", at, i), "%q %s", s, where)
		}
	}
	return nil
}

// numericPort is srv's valid listen address with a service name's port
// number, so the load's target, the socket table and the two-hosts link
// read it as IP:PORT.
func numericPort(srv echo.Config) string {
	network := "tcp"
	if srv.Protocol == echo.ProtocolUDP {
		network = "udp"
	}
	host, _, _ := net.SplitHostPort(srv.Listen)
	port, _ := config.CheckAddr(srv.Listen, network, 0)
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// destinationsOf checks a load's destinations and spreads a TCP load over
// that many servers.
func destinationsOf(at string, load *fileLoad, listen string) error {
	n := load.Destinations
	if n < 0 || n > maxDestinations {
		return fieldErr(at+".load.destinations", "must be 1..%d servers, got %d", maxDestinations, n)
	}
	if n <= 1 {
		return nil
	}
	if load.Protocol != "" && load.Protocol != loadgen.ProtocolTCP {
		return fieldErr(at+".load.destinations", "several destinations are for TCP only")
	}
	var err error
	if load.Target, err = destinations(listen, n); err != nil {
		return fieldErr(at+".server.listen", "%v", err)
	}
	return nil
}

// fieldOf names a config's *config.FieldError by its key under prefix.
func fieldOf(prefix string, err error) error {
	var fe *config.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return fieldErr(prefix+fe.Field, "%s", fe.Problem)
}

// maxGOMAXPROCS bounds a scenario's gomaxprocs: far more threads than any
// lesson needs, far fewer than would exhaust memory.
const maxGOMAXPROCS = 1024

// maxRunDuration bounds a sandbox run: the lab is for seconds, not hours.
const maxRunDuration = 5 * time.Minute

// decodeError is a section that does not decode; its message carries the
// line, as yaml.v3's do.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }

// decodeLayers decodes each section over dst in turn: yaml.v3 sets only the
// keys a section has. Unknown keys were refused by checkTree.
func decodeLayers(dst any, sections ...*yaml.Node) error {
	for _, n := range sections {
		if err := n.Decode(dst); err != nil {
			return &decodeError{err}
		}
	}
	return nil
}

// destinations lists n consecutive ports from listen's: the echo servers
// of a run with several destinations.
func destinations(listen string, n int) (string, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	p, err := config.CheckAddr(listen, "tcp", 1)
	if err != nil || p+n-1 > 65535 {
		return "", fmt.Errorf("%d destinations need %d consecutive ports from %s", n, n, listen)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = net.JoinHostPort(host, strconv.Itoa(p+i))
	}
	return strings.Join(out, ","), nil
}

func link(at string, l *fileLink) (*topology.Netem, error) {
	if l == nil {
		return nil, nil
	}
	n := &topology.Netem{Delay: l.Delay, LossPercent: l.LossPercent}
	if err := (topology.Spec{Netem: n}).Validate(); err != nil {
		field, problem, _ := strings.Cut(err.Error(), ": ")
		return nil, fieldErr(at+"."+strings.TrimPrefix(field, "netem."), "%s", problem)
	}
	return n, nil
}
