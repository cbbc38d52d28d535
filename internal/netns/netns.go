package netns

import (
	"errors"
	"fmt"
	"os"
)

const (
	// EnvInside is set to "1" in the environment of every process started by
	// Command; Inside reads it.
	EnvInside = "PORTLAB_NETNS"

	// envProbe marks the child that Available starts; Init answers it.
	envProbe = "PORTLAB_NETNS_PROBE"

	// probeArg is only there so the probe is recognisable in ps; Init looks
	// at envProbe, which survives any flag parsing.
	probeArg = "__netns_probe"

	// probeOK is what a successful probe prints: a child that exits 0
	// without it never ran Init.
	probeOK = "portlab netns probe: ok"
)

// Inside reports whether this process was started by Command, that is
// whether it runs in a network namespace of its own. It trusts the
// environment (PORTLAB_NETNS=1); IsHost asks the kernel.
func Inside() bool {
	return os.Getenv(EnvInside) == "1"
}

// ID names a network namespace as the kernel does: the device and inode of
// /proc/PID/ns/net, whose link reads "net:[INODE]".
type ID struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

func (id ID) String() string { return fmt.Sprintf("net:[%d]", id.Ino) }

// ErrNotCreated is Verify's refusal: this process does not run in the
// namespace its parent created for it.
var ErrNotCreated = errors.New("not in the network namespace its parent created")
