package main

import (
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
