package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// natCut: two clients holding their connections, well within the pool,
// for longer than the test waits.
const natCut = `
name: nat-cut
topology: nat
gateway: {clients: 2, snat_ports: "50000-50999"}
runs:
  - name: cut
    load: {mode: keepalive, concurrency: 10, duration: 60s, interval: 250ms}
`

// TestNATClientLost: a nat run interrupted after one of its client hosts
// died keeps the other client's requests, is marked interrupted, and says
// whose requests it lacks; the host is left as it was.
func TestNATClientLost(t *testing.T) {
	requireSandbox(t)
	before := readHostNet(t)
	sc, err := scenarios.Parse("nat-cut.yaml", []byte(natCut))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type outcome struct {
		lab *sandbox.Lab
		err error
	}
	done := make(chan outcome, 1)
	var stderr bytes.Buffer
	go func() {
		lab, err := sandbox.Execute(ctx, sc, sandbox.Options{Stderr: &stderr, ChildExecutable: childExe})
		done <- outcome{lab, err}
	}()
	pids := loadingClients(t, 2)
	if err := syscall.Kill(pids[1], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cancel()
	out := <-done
	if !errors.Is(out.err, context.Canceled) || out.lab == nil || len(out.lab.Results) != 1 {
		t.Fatalf("Execute: %v, lab %+v; want the partial result and context.Canceled\n%s", out.err, out.lab, stderr.String())
	}
	r := out.lab.Results[0]
	lost := slices.IndexFunc(r.Notes, func(n string) bool { return strings.Contains(n, "client 2") && strings.Contains(n, "not counted") })
	if !r.Interrupted || lost < 0 || r.Totals.ConnectionsOpened < 10 {
		t.Errorf("interrupted %v, %d connections, notes %q; want interrupted, client 1's 10 connections at least, client 2 named as not counted",
			r.Interrupted, r.Totals.ConnectionsOpened, r.Notes)
	}
	if after := readHostNet(t); !slices.Equal(after.tables, before.tables) || !slices.Equal(after.links, before.links) || after.forward != before.forward {
		t.Errorf("host changed: before %+v, after %+v", before, after)
	}
}

// loadingClients waits until n client hosts descended from this process
// hold established connections to the server, and returns their PIDs by
// client index.
func loadingClients(t *testing.T, n int) []int {
	t.Helper()
	for range 6000 { // 60 s at most
		pids := make([]int, n)
		found := 0
		for _, pid := range descendants(os.Getpid()) {
			cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			args := strings.Split(string(cmd), "\x00")
			if len(args) < 3 || args[1] != sandbox.ClientHostArg || !holdsConnections(pid) {
				continue
			}
			for k := range n {
				if strings.Contains(args[2], `"index":`+strconv.Itoa(k)+`,`) {
					pids[k] = pid
					found++
				}
			}
		}
		if found == n {
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %d client hosts with established connections within 60 s", n)
	return nil
}

// holdsConnections reports whether pid's namespace has an established
// TCP connection to the server's port 7777 (hex 1E61).
func holdsConnections(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/net/tcp")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[2], ":1E61") && f[3] == "01" {
			return true
		}
	}
	return false
}

// descendants lists the processes below pid.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	parent := map[int]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces: fields start after its ')'.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	var out []int
	for p := range parent {
		for a, hops := parent[p], 0; a > 1 && hops < 64; a, hops = parent[a], hops+1 {
			if a == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
