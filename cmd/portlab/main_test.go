package main

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/portlab/portlab/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Init()
	testscript.Main(m, map[string]func(){
		"portlab": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
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
			// waitport HOST:PORT: wait (at most 10 s) until a server listens.
			"waitport": func(ts *testscript.TestScript, neg bool, args []string) {
				for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
					if c, err := net.Dial("tcp", args[0]); err == nil {
						c.Close()
						return
					}
				}
				ts.Fatalf("nothing listens on %s", args[0])
			},
		},
	})
}
