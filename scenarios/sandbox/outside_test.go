package sandbox_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// handSpec is a spec as a user could write it for the child: a short load
// that would run anywhere.
func handSpec(t *testing.T, ns any) []byte {
	t.Helper()
	spec := map[string]any{
		"server": scenarios.LabServer(nil),
		"load":   scenarios.LabLoad(func(c *loadgen.Config) { c.Requests, c.Concurrency = 5, 1 }),
	}
	if ns != nil {
		spec["netns"] = ns
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestChildRefusesANamespaceNotMadeForIt: the sandbox child, started by
// hand with the environment its parent sets (PORTLAB_NETNS=1), in a
// namespace its parent did not create, does not run: whatever namespace
// its spec names, its own must be the one the parent read from the kernel.
func TestChildRefusesANamespaceNotMadeForIt(t *testing.T) {
	netnstest.Run(t, nil, func(t *testing.T) {
		if os.Getenv(netns.EnvInside) != "1" {
			t.Fatalf("%s is not set here; the test would prove nothing", netns.EnvInside)
		}
		self, err := netns.Of(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		for name, ns := range map[string]any{
			"no namespace":   nil,
			"another":        netns.ID{Dev: self.Dev, Ino: self.Ino + 1},
			"malformed spec": "net:[1]",
		} {
			var out bytes.Buffer
			err := sandbox.ChildMain(t.Context(), bytes.NewReader(handSpec(t, ns)), &out)
			if !errors.Is(err, sandbox.ErrOutsideSandbox) || out.Len() > 0 {
				t.Errorf("%s: ChildMain = %v with %d bytes of result, want ErrOutsideSandbox and none", name, err, out.Len())
			}
		}
	})
}

// TestChildByHandUnderUnshare: `PORTLAB_NETNS=1 unshare -n portlab
// __sandbox` is refused and writes no result.
func TestChildByHandUnderUnshare(t *testing.T) {
	requireSandbox(t)
	if netns.Inside() {
		t.Skip("runs from the host")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs unshare(1) as root")
	}
	exe := childExe
	if exe == "" {
		exe = os.Args[0]
	}
	cmd := exec.Command(unshare, "-n", exe, sandbox.ChildArg)
	cmd.Args[2] = exe
	cmd.Env = append(os.Environ(), netns.EnvInside+"=1")
	cmd.Stdin = bytes.NewReader(handSpec(t, nil))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if err == nil || out.Len() > 0 || !strings.Contains(errOut.String(), "only runs inside the sandbox") {
		t.Fatalf("child under unshare -n: %v, %d bytes of result, stderr %q; want a refusal and no result", err, out.Len(), errOut.String())
	}
}
