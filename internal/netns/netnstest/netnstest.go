// Package netnstest runs a test body in a fresh private network namespace,
// so a test can shrink ip_local_port_range, turn tcp_tw_reuse off or drain
// every ephemeral port without touching the host or other tests.
//
// Run re-executes the test binary, asking it to run only the current test,
// in a namespace made by netns.Command (see package netns for why a running
// Go process cannot simply enter one). The test package's TestMain must call
// netns.Init before m.Run, as testsupport.Main does:
//
//	func TestMain(m *testing.M) { testsupport.Main(m) }
//
// When namespaces are unavailable Run skips the test with the reason, unless
// PORTLAB_REQUIRE_NETNS=1, when it fails it instead: set that in CI so a
// namespace test can never pass by being skipped.
package netnstest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testsupport"
)

const (
	// envTest names the test a child process is to run the body of.
	envTest = "PORTLAB_NETNSTEST"

	// EnvRequire, set to "1", turns Run's skip into a failure.
	EnvRequire = testsupport.EnvRequireNetns
)

// Run runs body in a fresh private network namespace with lo up and sysctls
// written (dotted names as keys, e.g. "net.ipv4.ip_local_port_range": "40000
// 40999"). Call it at most once per test; for several namespaces, call it in
// several subtests.
//
// Subtleness ahead: the child runs the whole test function again, so code
// before and after Run runs twice, once on the host and once in the
// namespace (where netns.Inside reports true). Only body is sure to run in
// the namespace alone; keep host-side checks behind !netns.Inside().
//
// The test fails with the child's output if the child fails or if its output
// does not show that body ran and the test passed; it is skipped if the
// child skipped it.
func Run(t *testing.T, sysctls map[string]string, body func(t *testing.T)) {
	t.Helper()
	if os.Getenv(envTest) == t.Name() {
		runChild(t, sysctls, body)
		return
	}
	testsupport.Require(t, EnvRequire, netns.Available())
	runParent(t)
}

// started holds the tests whose body a child has run, to catch a second Run
// in the same test: the child would run the first body again.
var started sync.Map

func runChild(t *testing.T, sysctls map[string]string, body func(t *testing.T)) {
	t.Helper()
	if _, dup := started.LoadOrStore(t.Name(), true); dup {
		t.Fatalf("netnstest: Run called twice in %s: call it once per test and use t.Run for several namespaces", t.Name())
	}
	if err := netns.Setup(sysctls); err != nil {
		t.Fatalf("netnstest: %v", err)
	}
	t.Log(marker(t.Name()))
	body(t)
}

// marker is logged by the child just before body, so the parent can tell
// that body really ran.
func marker(name string) string {
	return fmt.Sprintf("netnstest: body of %s runs in a private network namespace", name)
}

func runParent(t *testing.T) {
	t.Helper()
	args := []string{"-test.run=" + pattern(t.Name()), "-test.v", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	if f := flag.Lookup("test.gocoverdir"); f != nil && f.Value.String() != "" {
		args = append(args, "-test.gocoverdir="+f.Value.String())
	}
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		// Give the child a shorter timeout than ours, so that on a hang its
		// own timeout panic (with every goroutine's stack) reaches our
		// report before our timeout kills us both.
		remaining := time.Until(deadline)
		grace := min(remaining/10, 10*time.Second)
		args = append(args, "-test.timeout="+max(remaining-grace, time.Second).String())
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-grace/2))
		defer cancel()
	}
	cmd := netns.Command(ctx, args...)
	cmd.Env = append(cmd.Env, envTest+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out // one writer: exec serialises the writes
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err := check(t.Name(), out.String(), err); err != nil {
		if err == errSkipped {
			t.Skipf("netnstest: skipped inside the namespace:\n%s", out.String())
		}
		t.Fatalf("netnstest: %v; output in the namespace:\n%s", err, out.String())
	}
	if testing.Verbose() {
		t.Logf("output in the namespace:\n%s", out.String())
	}
}

var errSkipped = errors.New("skipped in the namespace")

// check judges the child's run of test name from its output and exit error.
func check(name, out string, runErr error) error {
	if runErr != nil {
		return fmt.Errorf("%s failed in the namespace: %w", name, runErr)
	}
	if strings.Contains(out, "testing: warning: no tests to run") {
		return fmt.Errorf("%s did not run in the namespace (no tests to run: is -test.run %q wrong?)", name, pattern(name))
	}
	if result(name, "SKIP").MatchString(out) {
		return errSkipped
	}
	if !result(name, "PASS").MatchString(out) {
		return fmt.Errorf("%s did not report --- PASS in the namespace", name)
	}
	if !strings.Contains(out, marker(name)) {
		return fmt.Errorf("%s passed in the namespace without running the body: does it call netnstest.Run on every path?", name)
	}
	return nil
}

func result(name, verdict string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*--- ` + verdict + `: ` + regexp.QuoteMeta(name) + ` \(`)
}

// pattern returns the -test.run pattern that selects exactly the test or
// subtest called name (as t.Name() spells it) and the subtests it starts.
// The testing package matches each slash-separated element of a name on its
// own, so each element is quoted and anchored on its own: "TestA/b+c" gives
// "^TestA$/^b\+c$".
func pattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
