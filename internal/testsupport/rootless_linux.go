package testsupport

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/portlab/portlab/internal/netns"
)

// Nobody is the uid and gid rootless tests run as when started by root.
const Nobody = 65534

// envRootless names the helper test RunRootless started.
const envRootless = "PORTLAB_TEST_ROOTLESS"

// AsNobody makes cmd run as uid and gid 65534 with no supplementary groups,
// and die with this process. The executable must be reachable by nobody:
// see CopyForAnyUser and DirForAnyUser.
func AsNobody(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// No Groups and NoSetGroups false: setgroups clears the groups.
		Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody},
		Pdeathsig:  syscall.SIGKILL,
	}
}

// RunRootless runs the test helper of this test binary in a new process as
// an ordinary user: nobody when this process is root, else the caller. The
// helper starts with RootlessHelper. The test fails if the helper fails or
// does not report PASS, and is skipped if it skipped, unless
// PORTLAB_REQUIRE_NETNS=1.
func RunRootless(t *testing.T, helper string) {
	t.Helper()
	if netns.Inside() {
		t.Skip("starts its own namespaces from the host")
	}
	cmd := HelperCommand(t, helper, envRootless+"="+helper)
	uid := os.Geteuid()
	if uid == 0 {
		uid = Nobody
		cmd.Path = CopyForAnyUser(t, cmd.Path)
		cmd.Dir = filepath.Dir(cmd.Path)
		AsNobody(cmd)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s as uid %d: %v\n%s", helper, uid, err, out)
	}
	if verdict(helper, "SKIP").Match(out) {
		Require(t, EnvRequireNetns, fmt.Errorf("%s as uid %d skipped:\n%s", helper, uid, out))
	}
	if !verdict(helper, "PASS").Match(out) {
		t.Fatalf("%s as uid %d did not pass:\n%s", helper, uid, out)
	}
	t.Logf("%s as uid %d:\n%s", helper, uid, out)
}

func verdict(test, v string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^--- ` + v + `: ` + regexp.QuoteMeta(test) + ` `)
}

// RootlessHelper begins a test that RunRootless runs: elsewhere it skips
// the test, and it fails it if it runs as root outside a namespace (where
// the user namespace maps the caller to root, euid 0 is expected).
func RootlessHelper(t *testing.T) {
	t.Helper()
	if os.Getenv(envRootless) != t.Name() {
		t.Skip("helper process for RunRootless")
	}
	if !netns.Inside() && os.Geteuid() == 0 {
		t.Fatal("helper runs as root, want an ordinary user")
	}
}
