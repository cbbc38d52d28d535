package labcheck

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/portlab/portlab/internal/ports"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// eaddrnotavail is the error class of port exhaustion in results.
const eaddrnotavail = "EADDRNOTAVAIL"

// state is what the criteria of one check read.
type state struct {
	dir     string
	runs    []run
	skipped []Skipped

	// The socket table is read once per check, so that criteria about it
	// agree with each other.
	inspected  bool
	inspection *ports.Report
	inspectErr error
}

// run is one result file with its load configuration decoded.
type run struct {
	file string // name inside the results directory
	res  *report.Result
	cfg  loadgen.Config
}

// Bounds on what one check reads, which it holds in memory all at once.
const (
	MaxResultFiles = 1000
	MaxResultBytes = 256 << 20
)

func newState(dir string) (*state, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	var size int64
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasSuffix(e.Name(), report.CompareSuffix) {
			continue // portlab run --out writes its comparison beside the results
		}
		names = append(names, e.Name())
		if fi, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && fi.Mode().IsRegular() {
			size += fi.Size() // through symlinks: what a read would take
		}
	}
	if len(names) > MaxResultFiles || size > MaxResultBytes {
		return nil, fmt.Errorf("%s holds %d .json files of %d MiB in all; a check reads at most %d files and %d MiB: give a directory of this exercise's results",
			dir, len(names), size>>20, MaxResultFiles, MaxResultBytes>>20)
	}
	s := &state{dir: dir}
	for _, name := range names {
		r, err := readRun(filepath.Join(dir, name))
		var ie *report.InputError
		switch {
		case errors.As(err, &ie) && !errors.Is(err, report.ErrNotResult):
			// A portlab result with a bad value: judged without it, the
			// check would say "missing" of what the user did.
			return nil, err
		case err != nil:
			s.skipped = append(s.skipped, Skipped{File: name, Reason: err.Error()})
			continue
		}
		s.runs = append(s.runs, r)
	}
	return s, nil
}

// readRun reads one result with its load configuration. report.ReadFile
// bounds the read and refuses what is not a regular file, so a FIFO or
// /dev/zero named *.json is skipped, not read for ever; a file that says
// it is a portlab result but has a bad value is its *report.InputError.
func readRun(path string) (run, error) {
	res, err := report.ReadFile(path)
	if err != nil {
		return run{}, err
	}
	if res.Config == nil {
		return run{}, fmt.Errorf("no load configuration")
	}
	if res.Config.Merged != nil {
		return run{}, fmt.Errorf("a merge of several clients' results, which no criterion reads")
	}
	return run{file: filepath.Base(path), res: res, cfg: res.Config.Load}, nil
}

// inspect reads this machine's ports and sockets, once per check.
func (s *state) inspect() (*ports.Report, error) {
	if !s.inspected {
		s.inspection, s.inspectErr = ports.Inspect()
		s.inspected = true
	}
	return s.inspection, s.inspectErr
}

// filter returns the runs keep accepts, in file name order.
func (s *state) filter(keep func(run) bool) []run {
	var out []run
	for _, r := range s.runs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// path is where a command should write a result named file for this check
// to find it.
func (s *state) path(file string) string { return shellQuote(filepath.Join(s.dir, file)) }

// scenario is the command that makes an exercise's results without VMs.
func (s *state) scenario(name string) string {
	return "portlab run --topology two-hosts --out " + shellQuote(s.dir) + " " + name
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tcp reports whether the run sent TCP echo requests, the protocol of
// every exercise but the HTTP one.
func (r run) tcp() bool {
	return r.cfg.Protocol == "" || r.cfg.Protocol == loadgen.ProtocolTCP
}

// churns reports whether every request of the run took a new connection
// that the client closed first, leaving its port in TIME_WAIT: the load of
// the exhaustion exercises. Runs over several sources or destinations are
// left out: each pair has a range of its own, so their onset is a multiple.
func (r run) churns() bool {
	return r.tcp() && r.cfg.Mode == loadgen.ModeNew && r.cfg.Linger != 0 &&
		!r.cfg.AwaitClose && len(r.cfg.SourceIPs) == 0 && len(r.cfg.Targets()) == 1
}

func (r run) errors() int64 { return r.res.Errors[eaddrnotavail] }

// onset is the run's first EADDRNOTAVAIL.
func (r run) onset() (report.Onset, bool) {
	o, ok := r.res.Onset[eaddrnotavail]
	return o, ok && r.errors() > 0
}

// afterOnset is how many connections the run opened after its onset, and
// in how many seconds.
func (r run) afterOnset() (conns int64, secs float64) {
	o, _ := r.onset()
	return r.res.Totals.ConnectionsOpened - o.ConnectionsBefore, r.res.ElapsedS - o.AtS
}

// usable is the number of ephemeral ports the run could use toward one
// destination: its range less the reserved ports in it; ok is false when
// the result does not record the range (a run off Linux).
func (r run) usable() (n int, ok bool) {
	lo, hi := r.res.Environment.IPLocalPortRange[0], r.res.Environment.IPLocalPortRange[1]
	if lo <= 0 || hi < lo {
		return 0, false
	}
	reserved, err := ports.ParseReserved(r.res.Environment.IPLocalReservedPorts)
	if err != nil {
		return 0, false
	}
	return hi - lo + 1 - ports.ReservedInRange(lo, hi, reserved), true
}

// rangeText describes the run's range: "1,000 ports (40000-40999)".
func (r run) rangeText() string {
	env := r.res.Environment
	n, _ := r.usable()
	s := fmt.Sprintf("%s ports (%d-%d", thousands(int64(n)), env.IPLocalPortRange[0], env.IPLocalPortRange[1])
	if lo, hi := env.IPLocalPortRange[0], env.IPLocalPortRange[1]; n != hi-lo+1 {
		s += " less " + env.IPLocalReservedPorts
	}
	return s + ")"
}

// reuseApplies reports whether connect() could take over the run's
// TIME_WAIT ports: tcp_tw_reuse 1, or 2 toward a loopback address.
func (r run) reuseApplies() bool {
	switch r.res.Environment.TCPTwReuse {
	case 1:
		return true
	case 2:
		return r.loopbackTarget()
	}
	return false
}

func (r run) loopbackTarget() bool {
	host, _, err := net.SplitHostPort(r.cfg.Target)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// exhausted returns the runs that reproduced port exhaustion: a new
// connection per request, closed first by the client, that met
// EADDRNOTAVAIL with a recorded range.
func (s *state) exhausted() []run {
	return s.filter(func(r run) bool {
		_, onset := r.onset()
		_, known := r.usable()
		return r.churns() && onset && known
	})
}

// onsetRatio is the run's onset in connections over its usable ports: 1
// when the whole range filled with TIME_WAIT before the first error.
func (r run) onsetRatio() float64 {
	o, _ := r.onset()
	n, _ := r.usable()
	return float64(o.ConnectionsBefore) / float64(max(n, 1))
}

// atRange reports whether the run's onset came after about as many
// connections as it had ports; far fewer means TIME_WAIT of an earlier run
// still held most of them.
func (r run) atRange() bool { return r.onsetRatio() >= 0.5 && r.onsetRatio() <= 1.1 }

// onsetText is "onset after 988 connections, 99% of 1,000 ports (40000-40999)".
func (r run) onsetText() string {
	o, _ := r.onset()
	return fmt.Sprintf("onset after %s connections, %.0f%% of %s", thousands(o.ConnectionsBefore), 100*r.onsetRatio(), r.rangeText())
}

// thousands writes n with thousands separators: 28,232.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
