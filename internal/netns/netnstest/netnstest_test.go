package netnstest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
)

func ExampleRun() {
	// In a test: func TestDrain(t *testing.T) { ... }
	var t *testing.T
	netnstest.Run(t, map[string]string{
		"net.ipv4.ip_local_port_range": "40000 40999",
		"net.ipv4.tcp_tw_reuse":        "0",
	}, func(t *testing.T) {
		// Only 1,000 ephemeral ports here, and the host's are untouched.
	})
}

// TestRunSelectsExactlyOneSubtest gives subtests names that an unanchored or
// unquoted -test.run pattern would confuse; each child must run its own
// subtest only.
func TestRunSelectsExactlyOneSubtest(t *testing.T) {
	for _, name := range []string{"x", "x", "x+", "x|y", "(x)", "x y", "[x]"} {
		t.Run(name, func(t *testing.T) {
			if netns.Inside() && os.Getenv("PORTLAB_NETNSTEST") != t.Name() {
				t.Fatalf("%s ran in the child for %s", t.Name(), os.Getenv("PORTLAB_NETNSTEST"))
			}
			netnstest.Run(t, nil, func(t *testing.T) {
				if netns.IsHost() {
					t.Error("IsHost() = true in the body, want false")
				}
			})
		})
	}
}

const envHelper = "PORTLAB_NETNSTEST_HELPER"

// TestRunReportsChild runs TestHelper in a separate process, in each of its
// modes, and checks how Run reported the child there.
func TestRunReportsChild(t *testing.T) {
	testsupport.FromHost(t)
	for _, tc := range []struct {
		mode     string
		wantFail bool
		want     string
	}{
		{"pass", false, "--- PASS: TestHelper"},
		{"fail", true, "boom in the namespace"},
		{"skip", false, "--- SKIP: TestHelper"},
		{"no-body", true, "without running the body"},
		{"twice", true, "Run called twice"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := testsupport.HelperCommand(t, "TestHelper", envHelper+"="+tc.mode)
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != tc.wantFail {
				t.Errorf("helper failed: %v, want %v (err %v)", failed, tc.wantFail, err)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("helper output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// TestHelper is run by TestRunReportsChild.
func TestHelper(t *testing.T) {
	mode := os.Getenv(envHelper)
	body := func(t *testing.T) {}
	switch mode {
	case "":
		t.Skip("helper process for TestRunReportsChild")
	case "fail":
		body = func(t *testing.T) { t.Error("boom in the namespace") }
	case "skip":
		body = func(t *testing.T) { t.Skip("skipped in the namespace") }
	case "no-body":
		if netns.Inside() {
			return // the mistake under test: the child never reaches Run
		}
	case "twice":
		netnstest.Run(t, nil, body)
	}
	netnstest.Run(t, nil, body)
}
