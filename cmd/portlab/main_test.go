package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/internal/testsupport"
)

// envSandboxExe carries the full-speed portlab build to the scripts'
// portlab processes, which run the sandbox child from it.
const envSandboxExe = "PORTLAB_TEST_SANDBOX_EXE"

// portlabExe is portlab built without the race detector (see testsupport.Portlab).
var portlabExe string

// cleanupAfter runs cleanup once the tests have run: testscript.Main exits
// the process itself, so a defer in TestMain would never run.
type cleanupAfter struct {
	m       testscript.TestingM
	cleanup func()
}

func (c cleanupAfter) Run() int {
	defer c.cleanup()
	return c.m.Run()
}

func TestMain(tm *testing.M) {
	var m testscript.TestingM = tm
	netns.Init()
	if os.Getenv(envSandboxExe) == "" && len(os.Args) > 0 && filepath.Base(os.Args[0]) != "portlab" {
		exe, cleanup, err := testsupport.Portlab()
		if err != nil {
			fmt.Fprintln(os.Stderr, "cmd/portlab test:", err)
			os.Exit(1)
		}
		portlabExe = exe
		os.Setenv(envSandboxExe, exe)
		m = cleanupAfter{m, cleanup}
	}
	testscript.Main(m, map[string]func(){
		"portlab": func() {
			sandboxChild = os.Getenv(envSandboxExe)
			os.Exit(process(os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the whole CLI as a user would, from testdata/script.
// Each script gets $PORT, a loopback port that was free a moment ago.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			env.Setenv("PORT", strconv.Itoa(port))
			env.Setenv(envSandboxExe, portlabExe)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sleep DURATION: give a background command time to start.
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: sleep DURATION")
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
			// waitport HOST:PORT: wait (at most 30 s) until a server
			// listens; ! waitport: until none does any more.
			"waitport": func(ts *testscript.TestScript, neg bool, args []string) {
				for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					c, err := net.Dial("tcp", args[0])
					if err == nil {
						c.Close()
					}
					if (err == nil) != neg {
						return
					}
				}
				if neg {
					ts.Fatalf("%s still listens", args[0])
				}
				ts.Fatalf("nothing listens on %s", args[0])
			},
			// waitconns HOST:PORT N: wait (at most 30 s) until N
			// connections toward HOST:PORT are established.
			"waitconns": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: waitconns HOST:PORT N")
				}
				addr, err := netip.ParseAddrPort(args[0])
				ts.Check(err)
				n, err := strconv.Atoi(args[1])
				ts.Check(err)
				for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if established(addr) >= n {
						return
					}
				}
				ts.Fatalf("fewer than %d connections toward %s", n, addr)
			},
			// waitudp HOST:PORT: wait (at most 10 s) until a UDP echo
			// server answers.
			"waitudp": func(ts *testscript.TestScript, neg bool, args []string) {
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if udpEchoes(args[0]) {
						return
					}
				}
				ts.Fatalf("no UDP echo on %s", args[0])
			},
			// exits CODE PROG [ARGS...]: exec PROG, which must exit with
			// CODE; stdout and stderr are then checked as after exec.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE PROG [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got, err := 0, ts.Exec(args[1], args[2:]...)
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else {
					ts.Check(err)
				}
				if got != want {
					ts.Fatalf("%s exited %d, want %d", args[1], got, want)
				}
			},
		},
	})
}

func udpEchoes(addr string) bool {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := c.Write([]byte("ping")); err != nil {
		return false
	}
	n, err := c.Read(make([]byte, 8))
	return err == nil && n == 4
}

// established counts the connections toward addr that this namespace holds
// in ESTABLISHED.
func established(addr netip.AddrPort) int { return inState(addr, "ESTABLISHED") }

// inState counts this namespace's sockets toward addr in state.
func inState(addr netip.AddrPort, state string) int {
	s, err := sockstate.Take()
	if err != nil {
		return 0
	}
	n := 0
	for _, d := range s.Destinations {
		if d.Remote == addr {
			n += d.States[state]
		}
	}
	return n
}
