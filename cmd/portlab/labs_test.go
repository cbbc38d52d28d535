package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/labcheck"
)

// labsDoc is LABS.md, from this package's directory.
const labsDoc = "../../LABS.md"

// codeBlock is one fenced block of a Markdown file.
type codeBlock struct {
	info string // what follows the opening fence: "sh", "sh vm", "yaml"
	line int    // line number of the first line of text
	text string
}

func readBlocks(t *testing.T, path string) []codeBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []codeBlock
		cur    *codeBlock
		lines  []string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &codeBlock{info: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n + 1}
			lines = nil
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = strings.Join(lines, "\n") + "\n"
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: code block never closed", path, cur.line-1)
	}
	return blocks
}

// labsScript turns an sh block of LABS.md into what the test runs: the
// prebuilt portlab instead of go run, and temporary directories instead of
// /tmp/portlab-lab and of lab/bin, so that the test neither builds portlab
// in each block nor writes into the tree or a shared /tmp directory.
func labsScript(text, exe, tmp string) string {
	return strings.NewReplacer(
		"go run ./cmd/portlab", shellQuote(exe),
		"/tmp/portlab-lab", shellQuote(filepath.Join(tmp, "portlab-lab")),
		"lab/bin/portlab", shellQuote(filepath.Join(tmp, "bin", "portlab")),
	).Replace(text)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestLabsDoc runs every sh block of LABS.md, the commands that need no
// VMs, as the document has them, each as one "sh -e" script from the root
// of the repository: every command must exit 0. The scenarios they run
// make their own namespaces; where there are none the test skips, or with
// PORTLAB_REQUIRE_NETNS=1 fails.
func TestLabsDoc(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nine scenarios (about 90 s)")
	}
	testsupport.Require(t, testsupport.EnvRequireNetns, netns.Available())
	var sh []codeBlock
	for _, b := range readBlocks(t, labsDoc) {
		if b.info == "sh" {
			sh = append(sh, b)
		}
	}
	if len(sh) < 10 {
		t.Fatalf("%s: found %d sh blocks, want one per exercise at least", labsDoc, len(sh))
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, b := range sh {
		script := labsScript(b.text, portlabExe, tmp)
		if strings.Contains(script, "go run") {
			t.Fatalf("%s:%d: a go run this test does not know how to replace:\n%s", labsDoc, b.line, b.text)
		}
		cmd := exec.Command("sh", "-e", "-c", script)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s:%d: %v\n--- block:\n%s--- as run:\n%s--- output:\n%s", labsDoc, b.line, err, b.text, script, out)
			continue
		}
		t.Logf("%s:%d: ok\n%s", labsDoc, b.line, out)
	}
}

// portlabCommand is a portlab command in a sh vm block, up to the first
// shell operator or quote that ends it.
var portlabCommand = regexp.MustCompile(`(?:^|[\s;&|(])portlab ((?:load|echo|ports|lab|report|run|scenarios)\b[^&|;>'\n]*)`)

// TestLabsVMFlags checks the portlab commands of the sh vm blocks, which
// no test can run without the VMs, for flags portlab does not have: each
// is run with --help appended, which exits 0 only when every flag before
// it parsed.
func TestLabsVMFlags(t *testing.T) {
	n := 0
	for _, b := range readBlocks(t, labsDoc) {
		if b.info != "sh vm" {
			continue
		}
		if !strings.HasPrefix(b.text, "# on ") {
			t.Errorf("%s:%d: a sh vm block must say where it runs on its first line (# on client, # on server, # on your machine)", labsDoc, b.line)
		}
		for i, line := range strings.Split(b.text, "\n") {
			for _, m := range portlabCommand.FindAllStringSubmatch(line, -1) {
				n++
				// n: the loop variable of exercise 4.
				script := "n=1; " + shellQuote(portlabExe) + " " + m[1] + " --help"
				out, err := exec.Command("sh", "-c", script).CombinedOutput()
				if err != nil {
					t.Errorf("%s:%d: portlab %s: %v\n%s", labsDoc, b.line+i, strings.TrimSpace(m[1]), err, out)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("%s: found %d portlab commands in sh vm blocks; is the pattern broken?", labsDoc, n)
	}
}

// TestLabsChecks makes sure every exercise of LABS.md ends by telling the
// student how to check it.
func TestLabsChecks(t *testing.T) {
	b, err := os.ReadFile(labsDoc)
	if err != nil {
		t.Fatal(err)
	}
	sections := regexp.MustCompile(`(?m)^## (\d+)\. `).FindAllStringSubmatchIndex(string(b), -1)
	if len(sections) != labcheck.Exercises {
		t.Fatalf("%s: found %d numbered exercises, want %d", labsDoc, len(sections), labcheck.Exercises)
	}
	for i, s := range sections {
		end := len(b)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		num := string(b[s[2]:s[3]])
		if want := "portlab lab check " + num; !strings.Contains(string(b[s[0]:end]), want) {
			t.Errorf("%s: exercise %s never says %q", labsDoc, num, want)
		}
		if fmt.Sprint(i+1) != num {
			t.Errorf("%s: exercise %d is numbered %s", labsDoc, i+1, num)
		}
	}
}

// TestLabsSayWhetherVMs: LABS.md is no draft, and every exercise says up
// front, first thing under its heading, whether passing it needs the VMs.
func TestLabsSayWhetherVMs(t *testing.T) {
	b, err := os.ReadFile(labsDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if title, _, _ := strings.Cut(doc, "\n"); strings.Contains(title, "draft") {
		t.Errorf("%s: title %q is a draft's", labsDoc, title)
	}
	heading := regexp.MustCompile(`(?m)^## (\d+)\. .*\n\n(.*)`)
	found := 0
	for _, m := range heading.FindAllStringSubmatch(doc, -1) {
		found++
		if !strings.HasPrefix(m[2], "**Needs the VMs:** yes") && !strings.HasPrefix(m[2], "**Needs the VMs:** no") {
			t.Errorf("%s: exercise %s begins %q, not with whether it needs the VMs", labsDoc, m[1], m[2])
		}
	}
	if found != labcheck.Exercises {
		t.Errorf("%s: %d exercises, want %d", labsDoc, found, labcheck.Exercises)
	}
}
