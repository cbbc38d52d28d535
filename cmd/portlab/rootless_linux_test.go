package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/portlab/portlab/internal/testsupport"
)

// TestRunRootless runs the default lab as an ordinary user (nobody), as a
// user without root would: portlab must get its namespaces from a user
// namespace. As non-root, TestScripts already covers this.
func TestRunRootless(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: the other tests already run portlab run unprivileged")
	}
	// nobody must be able to reach the binary and write the output.
	dir := testsupport.DirForAnyUser(t, 0o777)
	cmd := exec.Command(portlabExe, "run", "--out", filepath.Join(dir, "lab"))
	testsupport.AsNobody(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("portlab run as nobody: %v\n%s", err, out)
	}
	for _, want := range []string{"Cause (new-conn)", "pool           no EADDRNOTAVAIL, as predicted"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The owner of what it wrote proves the run really was nobody's.
	fi, err := os.Stat(filepath.Join(dir, "lab", "exhaustion-new-conn.json"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != testsupport.Nobody {
		t.Errorf("the result file belongs to uid %d, want %d", uid, testsupport.Nobody)
	}
}

// TestRunWithoutNamespaces runs portlab where network namespaces are
// disabled (max_net_namespaces=0 inside a throwaway user namespace): it must
// say why and what to do instead, and exit 1.
func TestRunWithoutNamespaces(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	testsupport.Require(t, testsupport.EnvRequireNetns, err)
	script := `echo 0 > /proc/sys/user/max_net_namespaces && exec "$0" run`
	cmd := exec.Command(unshare, "--user", "--map-root-user", "sh", "-c", script, portlabExe)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		testsupport.Require(t, testsupport.EnvRequireNetns, fmt.Errorf("could not set up a namespace-less environment: %v\n%s", err, out))
	}
	if ee.ExitCode() != exitFailure {
		t.Errorf("exit %d, want %d\n%s", ee.ExitCode(), exitFailure, out)
	}
	for _, want := range []string{"the sandbox needs private network namespaces", "max_net_namespaces is 0", "Fallback: run 'portlab echo' and 'portlab load --target HOST:PORT'"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
