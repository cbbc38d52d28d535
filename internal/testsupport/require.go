package testsupport

import (
	"os"
	"testing"

	"github.com/portlab/portlab/internal/netns"
)

// EnvRequireNetns, set to "1", turns the skips for want of namespaces (and
// of the tools the rootless and curl tests run) into failures: CI sets it,
// so that no such test can pass by being skipped.
const EnvRequireNetns = "PORTLAB_REQUIRE_NETNS"

// Require returns if err is nil. Otherwise it skips tb with err, or fails
// it if the environment variable env is "1".
func Require(tb testing.TB, env string, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if os.Getenv(env) == "1" {
		tb.Fatalf("%s=1, but: %v", env, err)
	} else {
		tb.Skipf("skipped (set %s=1 to fail instead): %v", env, err)
	}
}

// FromHost skips a test that starts its own namespaces when it runs inside
// one (netnstest re-runs whole tests there), and when this machine cannot
// make them (see Require).
func FromHost(tb testing.TB) {
	tb.Helper()
	if netns.Inside() {
		tb.Skip("starts its own namespaces from the host")
	}
	Require(tb, EnvRequireNetns, netns.Available())
}
