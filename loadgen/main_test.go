package loadgen

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/portlab/portlab/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Init()
	goleak.VerifyTestMain(m)
}
