package sockstate

import (
	"testing"

	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
)

// TestCountCostDoesNotGrowWithSockets: Count allocates as often at 2,000
// sockets as at none. A load run calls it every interval at up to tens of
// thousands of connections, so it counts states while walking the dump in
// a reused buffer and builds nothing per socket. In a namespace of its
// own, so that the count is this test's sockets alone.
func TestCountCostDoesNotGrowWithSockets(t *testing.T) {
	netnstest.Run(t, nil, countCostDoesNotGrow)
}

func countCostDoesNotGrow(t *testing.T) {
	allocs := func() float64 {
		return testing.AllocsPerRun(5, func() {
			if _, _, err := Count(); err != nil {
				t.Fatal(err)
			}
		})
	}
	none := allocs()
	const n = 1000 // each an ESTABLISHED socket on both ends
	// Nothing accepts: the connections wait in the accept queue, already
	// ESTABLISHED, and no server goroutine allocates while Count is
	// measured (AllocsPerRun counts the whole process's allocations).
	ln := testsupport.ListenLoopback(t)
	testsupport.Dial(t, ln.Addr().String(), n)
	if _, est, err := Count(); err != nil || est < n {
		t.Fatalf("Count: %d ESTABLISHED, %v; want at least %d", est, err, n)
	}
	many := allocs()
	t.Logf("allocations per Count: %.0f at no socket, %.0f at %d or more", none, many, n)
	// A few to spare: a collection may empty the buffer pool between
	// runs on a busy machine, and a run then allocates its buffer anew.
	// What matters is that the count does not follow the sockets.
	if many > none+4 {
		t.Errorf("Count allocates %.0f times at %d sockets, %.0f at none: want no more than 4 beyond", many, n, none)
	}
}
