package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/report"
)

// interrupted starts portlab with args in dir, waits (at most 30 s) until
// ready says the process is where the test wants it, sends it one SIGINT
// and returns its exit code and stderr. A process that does not exit
// within 30 s of the signal fails the test: no elapsed time is judged
// below that bound.
func interrupted(t *testing.T, dir string, ready func(pid int) bool, args ...string) (int, string) {
	t.Helper()
	if portlabExe == "" {
		t.Skip("no portlab build")
	}
	cmd := exec.Command(portlabExe, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	code := func(err error) int {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	for deadline := time.Now().Add(30 * time.Second); !ready(cmd.Process.Pid); time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("portlab %s exited %d before it was ready for the signal; stderr:\n%s", args[0], code(err), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			t.Fatalf("portlab %s never got ready for the signal; stderr:\n%s", args[0], stderr.String())
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		return code(err), stderr.String()
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("portlab %s still ran 30 s after SIGINT; stderr:\n%s", args[0], stderr.String())
	}
	return 0, ""
}

// opened says that process pid holds a descriptor on a file of dir.
func opened(pid int, dir string) bool {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && filepath.Dir(target) == dir {
			return true
		}
	}
	return false
}

// bigResults writes a valid result of about 10 MB (a long timeline) to
// dir/big.json and n hard links to it, each a file of its own to a
// reader (a merge refuses one file given twice, which symlinks would be).
func bigResults(t *testing.T, dir string, n int) {
	t.Helper()
	empty, err := report.Summarize(report.NewHDR())
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultLoad()
	cfg.Target = "127.0.0.1:1"
	r := &report.Result{
		StartedAt: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), ElapsedS: 86400, StopReason: report.StopDuration,
		Config:  &report.RunConfig{Load: cfg},
		Latency: report.Latencies{Connect: empty, RoundTrip: empty, Total: empty},
	}
	for i := range 50_000 {
		r.Timeline = append(r.Timeline, report.Interval{TS: float64(i + 1), TimeWait: -1, Established: -1})
	}
	big := filepath.Join(dir, "big.json")
	if err := report.WriteFile(big, r); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.Link(big, filepath.Join(dir, fmt.Sprintf("r%03d.json", i))); err != nil {
			t.Fatal(err)
		}
	}
}

// noOutput checks that dir holds neither name nor a temporary file of it.
func noOutput(t *testing.T, dir, name string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, "*"+name+"*"))
	if len(left) > 0 {
		t.Errorf("interrupted, yet %v left behind", left)
	}
}

// TestReadingCommandsStopAtFirstSignal: report merge and lab check, busy
// reading 20 results of 10 MB each, exit 130 at the first SIGINT and
// write nothing. (lab check used to read on to the end: its signal was
// swallowed.)
func TestReadingCommandsStopAtFirstSignal(t *testing.T) {
	dir := t.TempDir()
	bigResults(t, dir, 19) // 20 files in all, within lab check's 256 MiB
	links, _ := filepath.Glob(filepath.Join(dir, "r*.json"))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"lab check", []string{"lab", "check", "1", "--results", dir}},
		{"report merge", append([]string{"report", "merge", "-o", "merged.json"}, links...)},
		{"report", append([]string{"report", "-o", "report.txt"}, links...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			code, stderr := interrupted(t, out, func(pid int) bool { return opened(pid, dir) }, tc.args...)
			if code != exitInterrupted || !strings.Contains(stderr, "interrupted") {
				t.Errorf("exit %d, want %d with 'interrupted'; stderr:\n%s", code, exitInterrupted, stderr)
			}
			noOutput(t, out, "merged.json")
			noOutput(t, out, "report.txt")
		})
	}
}

// fullBacklog listens on loopback with a backlog of 0 and fills its accept
// queue with one connection it never accepts: the kernel then drops every
// further SYN, so a connect() to it waits in SYN_SENT.
func fullBacklog(t *testing.T) netip.AddrPort {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.AddrPortFrom(netip.AddrFrom4(sa.(*syscall.SockaddrInet4).Addr), uint16(sa.(*syscall.SockaddrInet4).Port))
	c, err := net.DialTimeout("tcp", addr.String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return addr
}

// silentUDP binds a loopback UDP socket that reads and never answers; got
// says whether a datagram has arrived.
func silentUDP(t *testing.T) (addr netip.AddrPort, got func() bool) {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	arrived := make(chan struct{})
	go func() {
		if _, _, err := pc.ReadFrom(make([]byte, 2048)); err == nil {
			close(arrived)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).AddrPort(), func() bool {
		select {
		case <-arrived:
			return true
		default:
			return false
		}
	}
}

// TestLoadInterruptedInPreflight: a SIGINT while the connectivity check
// waits (a TCP SYN the kernel drops, a datagram nobody answers, with an
// hour of --connect-timeout) exits 130 and writes a result that says no
// request was sent.
func TestLoadInterruptedInPreflight(t *testing.T) {
	tcp := fullBacklog(t)
	udp, udpGot := silentUDP(t)
	echoSrv := echotest.Start(t, nil)
	srv := netip.MustParseAddrPort(echoSrv.Addr().String())
	checked := func(int) bool { st := echoSrv.Stats(); return st.Accepted > 0 && st.Active == 0 }
	for _, tc := range []struct {
		name   string
		target netip.AddrPort
		flags  []string
		ready  func(int) bool
		shard  *config.Shard // the shard the result must name
		note   string        // a note it must have
	}{
		{"tcp", tcp, nil, func(int) bool { return inState(tcp, "SYN_SENT") > 0 }, nil, "during the connectivity check"},
		{"udp", udp, []string{"--protocol", "udp"}, func(int) bool { return udpGot() }, nil, "during the connectivity check"},
		{"tcp shard", tcp, []string{"--shard", "1/4"}, func(int) bool { return inState(tcp, "SYN_SENT") > 0 },
			&config.Shard{Index: 1, Count: 4}, "during the connectivity check"},
		// Once the check's connection is made and closed, the run
		// waits for its start.
		{"waiting to start", srv, []string{"--shard", "2/4", "--start-delay", "1h"}, checked,
			&config.Shard{Index: 2, Count: 4}, "interrupted while waiting to start at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"load", "--target", tc.target.String(), "--connect-timeout", "1h",
				"--duration", "1s", "-q", "--out", "r.json"}, tc.flags...)
			code, stderr := interrupted(t, dir, tc.ready, args...)
			if code != exitInterrupted {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
			}
			res, err := report.ReadFile(filepath.Join(dir, "r.json"))
			if err != nil {
				t.Fatalf("no readable result: %v; stderr:\n%s", err, stderr)
			}
			if !res.Interrupted || res.StopReason != report.StopSignal || res.Totals.RequestsStarted != 0 || len(res.Notes) == 0 {
				t.Errorf("result: interrupted %v, stop_reason %q, %d started, notes %q; want interrupted by a signal, none started, a note",
					res.Interrupted, res.StopReason, res.Totals.RequestsStarted, res.Notes)
			}
			if !reflect.DeepEqual(res.Shard, tc.shard) || !strings.Contains(strings.Join(res.Notes, "\n"), tc.note) {
				t.Errorf("result of shard %v, notes %q; want shard %v, a note %q", res.Shard, res.Notes, tc.shard, tc.note)
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, ".r.json.tmp-*")); len(tmp) > 0 {
				t.Errorf("temporary files left: %v", tmp)
			}
		})
	}
}
