package loadgen

import (
	"testing"

	"github.com/portlab/portlab/internal/testsupport"
)

func TestMain(m *testing.M) { testsupport.Main(m) }

// withGoroutines keeps a run on the goroutine engine where event loops
// would carry it, for tests of that engine and comparisons of the two.
func withGoroutines() Option { return func(o *options) { o.goroutines = true } }
