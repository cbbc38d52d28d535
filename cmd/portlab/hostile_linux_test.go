package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/report"
)

// invocation is one bad invocation of portlab and what it must give: the
// exit code the policy says (2: the user can fix it before the run; 1: it
// failed while running) and a message naming the problem.
type invocation struct {
	category string
	args     []string // $D is the fixtures' directory
	code     int
	msg      string // a regexp stderr must match
}

// TestHostileInvocations runs every bad invocation of hostileTable in
// process: none may panic, hang (each is bounded by a context of 20 s, and
// a load in it targets a closed port), or exit other than the policy
// says, and each names what is wrong.
func TestHostileInvocations(t *testing.T) {
	dir := hostileFixtures(t)
	// Descriptor bounds are judged against ulimit -n: the same on every
	// machine for these rows.
	lowerOpenFiles(t, 4096)

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort = busy.Addr().(*net.TCPAddr).Port
	rows := hostileTable(t)
	counts := map[string]map[int]int{}
	for i, inv := range rows {
		args := make([]string, len(inv.args))
		for j, a := range inv.args {
			args[j] = strings.ReplaceAll(a, "$D", dir)
		}
		name := fmt.Sprintf("%03d %s", i, strings.Join(inv.args, " "))
		if len(name) > 100 {
			name = name[:100]
		}
		msg := strings.ReplaceAll(strings.ReplaceAll(inv.msg, `\$D`, "$D"), "$D", regexp.QuoteMeta(dir))
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runBounded(t, args)
			if code != inv.code {
				t.Errorf("portlab %q: exit %d, want %d\nstderr: %s", args, code, inv.code, stderr)
			}
			if !regexp.MustCompile(msg).MatchString(stderr) {
				t.Errorf("portlab %q: stderr does not match %q:\n%s", args, msg, stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr+stdout, "panic") {
				t.Errorf("portlab %q panicked:\n%s", args, stderr)
			}
		})
		if counts[inv.category] == nil {
			counts[inv.category] = map[int]int{}
		}
		counts[inv.category][inv.code]++
	}
	if len(rows) < 300 {
		t.Errorf("%d bad invocations, want at least 300", len(rows))
	}
	cats := make([]string, 0, len(counts))
	for c := range counts {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		t.Logf("%-14s exit 2: %3d  exit 1: %3d", c, counts[c][exitUsage], counts[c][exitFailure])
	}
	t.Logf("%d invocations", len(rows))
}

// lowerOpenFiles sets this process's RLIMIT_NOFILE soft limit to n (at
// most the hard one) for the test.
func lowerOpenFiles(t *testing.T, n uint64) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	old := rl
	rl.Cur = min(rl.Max, n)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })
}

// busyPort is a port the test process listens on.
var busyPort int

// runBounded runs the CLI in process for at most 20 s.
func runBounded(t *testing.T, args []string) (code int, stdout, stderr string) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code = runContext(ctx, args, &out, &errb)
	if ctx.Err() != nil {
		t.Errorf("portlab %q ran into the 20 s bound", args)
	}
	return code, out.String(), errb.String()
}

// hostileFixtures makes the files the table reads: a valid result,
// malformed ones, special files, scenario files.
func hostileFixtures(t *testing.T) string {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good, err := report.Marshal(validResult(t, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	write("good.json", string(good))
	late, err := report.Marshal(validResult(t, time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	write("late.json", string(late))
	for _, j := range badResults(t) {
		write(j.name+".json", j.json)
	}
	for _, s := range badScenarios {
		write(s.name+".yaml", s.yaml)
	}
	write("notadir", "a file")
	specialFixtures(t, dir)
	return dir
}

// specialFixtures makes what is not a regular file: directories, FIFOs,
// symlinks to devices and nowhere, a socket, a sparse file over 64 MiB.
func specialFixtures(t *testing.T, dir string) {
	for _, d := range []string{"dir.json", "dir.yaml", "results", "emptyresults"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"fifo.json", "fifo.yaml", "results/fifo.json"} {
		if err := unix.Mkfifo(filepath.Join(dir, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"zero.json": "/dev/zero", "zero.yaml": "/dev/zero", "null.json": "/dev/null", "null.yaml": "/dev/null",
		"results/zero.json": "/dev/zero", "results/dir.json": dir + "/dir.json", "dangling.json": dir + "/nosuch",
		"dangling.yaml": dir + "/nosuch", "loop.json": dir + "/loop.json", "linkdir.json": dir + "/dir.json",
		"linkfifo.json": dir + "/fifo.json", "goodlink.json": dir + "/good.json", "linkfifo.yaml": dir + "/fifo.yaml", "zerodir": "/dev/zero",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "results/notes.json"), []byte(`{"not": "a result"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// A sparse file beyond the 64 MiB a result may have: no disk used.
	f, err := os.Create(filepath.Join(dir, "huge.json"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(f.Name(), report.MaxResultBytes+1); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "sock.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
}

// validResult is a small result that reads back, started at start.
func validResult(t *testing.T, start time.Time) *report.Result {
	h := report.NewHDR()
	for _, v := range []int64{100, 200, 300} {
		h.RecordValue(v)
	}
	s, err := report.Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	return &report.Result{
		Label: "good", StartedAt: start, ElapsedS: 2, WindDownS: 0.1, StopReason: report.StopDuration,
		Totals:   report.Totals{RequestsStarted: 3, RequestsOK: 3, ConnectionsOpened: 3},
		Latency:  report.Latencies{Connect: s, RoundTrip: s, Total: s},
		Timeline: []report.Interval{{TS: 1, RequestsOK: 2, TimeWait: -1, Established: -1}, {TS: 2, RequestsOK: 1, TimeWait: 3}},
	}
}
