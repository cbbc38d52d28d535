package netnstest_test

import (
	"os"
	"testing"

	"github.com/portlab/portlab/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Init()
	os.Exit(m.Run())
}
