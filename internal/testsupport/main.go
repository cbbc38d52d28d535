package testsupport

import (
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/portlab/portlab/internal/netns"
)

// Main is TestMain for a package whose tests use netnstest or otherwise
// re-run the test binary in a namespace: netns.Init must answer the probe
// netns.Available starts before any test runs. After the tests it fails
// the run if any goroutine outlives them: a server or worker a test left
// running would skew the socket counts of the next.
//
// Under -race every exit sleeps a second for late race reports, and these
// tests re-run the binary up to three levels deep; Main turns the sleep
// off for those children. Their goroutines end before they exit (the leak
// check above), so a race still reaches the test, as exit status 66.
func Main(m *testing.M) {
	netns.Init()
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	goleak.VerifyTestMain(m)
}
