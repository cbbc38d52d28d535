package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/scenarios"
)

// TestLabsNATDoc runs the sh nat blocks of LABS.md, the NAT gateway
// exercise, in order and into one results directory, as TestLabsDoc runs
// the sh blocks: each must exit 0, the last being its lab check. They need
// the nat topology's scenarios; the test skips while the catalogue has
// none.
func TestLabsNATDoc(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two scenarios of eleven runs (about 30 s)")
	}
	var blocks []codeBlock
	for _, b := range readBlocks(t, labsDoc) {
		if b.info == "sh nat" {
			blocks = append(blocks, b)
		}
	}
	if len(blocks) < 3 || !strings.Contains(blocks[len(blocks)-1].text, "lab check 11") {
		t.Fatalf("%s: %d sh nat blocks, want the scenarios' and last the lab check of exercise 11", labsDoc, len(blocks))
	}
	for _, name := range []string{"snat-exhaustion", "snat-time-wait"} {
		if _, err := scenarios.BuiltinSource(name); err != nil {
			t.Skipf("no %s scenario yet: %v", name, err)
		}
	}
	testsupport.Require(t, testsupport.EnvRequireNetns, netns.Available())
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, b := range blocks {
		script := labsScript(b.text, portlabExe, tmp)
		cmd := exec.Command("sh", "-e", "-c", script)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s:%d: %v\n--- block:\n%s--- output:\n%s", labsDoc, b.line, err, b.text, out)
		}
		t.Logf("%s:%d: ok\n%s", labsDoc, b.line, out)
	}
}
