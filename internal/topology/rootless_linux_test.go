package topology_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testbin"
	"github.com/portlab/portlab/internal/topology"
)

const envRootless = "PORTLAB_TOPOLOGY_TEST_ROOTLESS"

// TestRootless runs TestRootlessHelper as an ordinary user (nobody, when
// this test runs as root): both namespaces must then belong to the one user
// namespace netns.Command made, or the veth pair cannot span them.
func TestRootless(t *testing.T) {
	if netns.Inside() {
		t.Skip("starts its own namespaces from the host")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestRootlessHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envRootless+"=1")
	uid := os.Geteuid()
	if uid == 0 {
		// go test builds the binary in a 0700 directory: give nobody a copy
		// it can execute.
		uid = 65534
		cmd.Path = testbin.CopyForAnyUser(t, exe)
		cmd.Dir = filepath.Dir(cmd.Path)
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: 65534, Gid: 65534},
			Pdeathsig:  syscall.SIGKILL,
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as uid %d: %v\n%s", uid, err, out)
	}
	if regexp.MustCompile(`(?m)^--- SKIP: TestRootlessHelper `).Match(out) {
		if os.Getenv(netnstest.EnvRequire) == "1" {
			t.Fatalf("%s=1, but the helper as uid %d skipped:\n%s", netnstest.EnvRequire, uid, out)
		}
		t.Skipf("helper as uid %d skipped:\n%s", uid, out)
	}
	if !regexp.MustCompile(`(?m)^--- PASS: TestRootlessHelper `).Match(out) {
		t.Fatalf("helper as uid %d did not pass:\n%s", uid, out)
	}
	t.Logf("helper as uid %d:\n%s", uid, out)
}

// TestRootlessHelper is run by TestRootless, as an ordinary user.
func TestRootlessHelper(t *testing.T) {
	if os.Getenv(envRootless) != "1" {
		t.Skip("helper process for TestRootless")
	}
	if !netns.Inside() && os.Geteuid() == 0 {
		t.Fatal("helper runs as root, want an ordinary user")
	}
	netnstest.Run(t, nil, func(t *testing.T) {
		if got := os.Geteuid(); got != 0 {
			t.Errorf("euid in the client host = %d, want 0 (the caller mapped to root)", got)
		}
		srv := startServerHost(t, topology.Spec{
			Client: topology.Host{Sysctls: map[string]string{portRange: "40000 40999"}},
			Server: topology.Host{Sysctls: map[string]string{twReuse: "0"}},
		}, echo.CloseClient, twReuse+"=0")
		const conns = 10
		for i := range conns {
			if err := converse(serverAddr, false); err != nil {
				t.Fatalf("conversation %d: %v", i, err)
			}
		}
		client := settle(t)
		server, err := srv.Stop()
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if client.TimeWait != conns || server.TimeWait != 0 {
			t.Errorf("TIME_WAIT: client %d, server %d; want client %d, server 0", client.TimeWait, server.TimeWait, conns)
		}
	})
}

// TestServerHostDiesWithClientHost kills a client host and checks that its
// server host, and with it the server's namespace, goes too, even one that
// hangs when its pipe from the client host ends (see serverHostMain).
func TestServerHostDiesWithClientHost(t *testing.T) {
	if netns.Inside() {
		t.Skip("starts its own namespaces from the host")
	}
	if err := netns.Available(); err != nil {
		if os.Getenv(netnstest.EnvRequire) == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := netns.Command(ctx, "-test.run=^TestPdeathsigHelper$")
	client.Env = append(client.Env, envPdeathsig+"=1")
	client.Stderr = os.Stderr
	stdout, err := client.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	defer client.Wait()
	defer client.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "server ")))
	if err != nil || perr != nil {
		t.Fatalf("read the server host's pid: %v, %v (got %q)", err, perr, line)
	}
	testbin.DiesWith(t, client.Process, pid, "server host")
}

// TestPdeathsigHelper is run by TestServerHostDiesWithClientHost as the
// client host: it starts a server host, prints its pid and waits to die.
func TestPdeathsigHelper(t *testing.T) {
	if os.Getenv(envPdeathsig) != "1" {
		t.Skip("helper process for TestServerHostDiesWithClientHost")
	}
	srv := startServerHost(t, topology.Spec{}, echo.CloseClient)
	fmt.Printf("server %d\n", srv.Pid())
	time.Sleep(time.Minute)
}
