package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunRootless runs the default lab as an ordinary user (nobody), as a
// user without root would: portlab must get its namespaces from a user
// namespace. As non-root, TestScripts already covers this.
func TestRunRootless(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: the other tests already run portlab run unprivileged")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		if os.Getenv("PORTLAB_REQUIRE_NETNS") == "1" {
			t.Fatal("setpriv (util-linux) is needed to test the rootless sandbox")
		}
		t.Skip("no setpriv")
	}
	// nobody must be able to reach the binary and write the output.
	dir, err := os.MkdirTemp("", "portlab-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := portlabExe
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "run", "--out", filepath.Join(dir, "lab"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("portlab run as nobody: %v\n%s", err, out)
	}
	for _, want := range []string{"Cause (new-conn)", "pool           no EADDRNOTAVAIL, as predicted"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lab", "exhaustion-new-conn.json")); err != nil {
		t.Error(err)
	}
}

// TestRunWithoutNamespaces runs portlab where network namespaces are
// disabled (max_net_namespaces=0 inside a throwaway user namespace): it must
// say why and what to do instead, and exit 1.
func TestRunWithoutNamespaces(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare (util-linux)")
	}
	script := `echo 0 > /proc/sys/user/max_net_namespaces && exec "$0" run`
	cmd := exec.Command(unshare, "--user", "--map-root-user", "sh", "-c", script, portlabExe)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if os.Getenv("PORTLAB_REQUIRE_NETNS") == "1" {
			t.Fatalf("could not set up a namespace-less environment: %v\n%s", err, out)
		}
		t.Skipf("could not set up a namespace-less environment: %v\n%s", err, out)
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
