package ports

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
)

const (
	envChurn   = "PORTLAB_TEST_CHURN" // the destination TestChurnHelper churns toward
	churnHold  = 5                    // connections the churner keeps open
	churnCount = 650                  // connections it opens and closes first: warn
)

// TestChurnHelper is the churning client of TestInspectNamesCulprit: it
// keeps churnHold connections open, opens and closes churnCount more (so
// their ports sit in TIME_WAIT here), says "ready" and waits for stdin to
// close.
func TestChurnHelper(t *testing.T) {
	target := os.Getenv(envChurn)
	if target == "" {
		t.Skip("helper process for TestInspectNamesCulprit")
	}
	held := testsupport.Dial(t, target, churnHold)
	defer testsupport.CloseAll(held)
	for i := range churnCount {
		c, err := net.Dial("tcp", target)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		c.Close()
	}
	os.Stdout.WriteString("ready\n")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes it
}

// TestInspectNamesCulprit starts a churning child in a private namespace
// and checks that Inspect names the child (PID and command) as the owner of
// its open sockets, sees the TIME_WAIT it left, says this host closes first
// and gives the cure with this namespace's settings.
func TestInspectNamesCulprit(t *testing.T) {
	netnstest.Run(t, map[string]string{
		"net.ipv4.ip_local_port_range": "40000 40999",
		"net.ipv4.tcp_tw_reuse":        "0",
	}, func(t *testing.T) {
		const target = "127.0.0.1:7777"
		ln, err := net.Listen("tcp", target)
		if err != nil {
			t.Fatal(err)
		}
		testsupport.Drain(t, ln)
		pid, comm := startChurner(t, target)

		r, err := Inspect()
		if err != nil {
			t.Fatal(err)
		}
		d := findDest(r, target)
		if d == nil {
			t.Fatalf("no destination %s in %+v", target, r.Destinations)
		}
		// A closed socket may still be on its way (FIN_WAIT1, FIN_WAIT2)
		// to TIME_WAIT.
		closed := sockets(d.States) - d.States["ESTABLISHED"]
		if d.States["TIME_WAIT"] == 0 || d.States["ESTABLISHED"] != churnHold {
			t.Errorf("states toward %s = %v, want TIME_WAIT > 0 and ESTABLISHED %d", target, d.States, churnHold)
		}
		want := Owner{PID: pid, Command: comm, Sockets: churnHold}
		if len(d.Owners) != 1 || d.Owners[0] != want {
			t.Errorf("owners of %s = %+v, want only %+v", target, d.Owners, want)
		}
		if d.UnownedSockets != closed {
			t.Errorf("unowned sockets = %d, want the %d closed ones", d.UnownedSockets, closed)
		}
		if d.ClosesFirst != "this host" || d.Pattern != "closes_first" || d.Level != "warn" {
			t.Errorf("closes first %q, pattern %q, level %q; want this host, closes_first, warn", d.ClosesFirst, d.Pattern, d.Level)
		}
		for _, s := range []string{"pid " + strconv.Itoa(pid) + " (" + comm + ")", "tcp_tw_reuse is 0", "40000-40999: 1000 ports"} {
			if !strings.Contains(d.Cure, s) {
				t.Errorf("cure does not say %q: %s", s, d.Cure)
			}
		}
	})
}

// startChurner starts TestChurnHelper toward target and waits until it is
// ready; it returns the child's PID and command name.
func startChurner(t *testing.T, target string) (int, string) {
	t.Helper()
	cmd, sc := testsupport.StartHelper(t, "TestChurnHelper", envChurn+"="+target)
	for sc.Scan() && sc.Text() != "ready" {
	}
	if sc.Text() != "ready" {
		t.Fatalf("churner never got ready: %v", sc.Err())
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/comm")
	if err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid, strings.TrimSpace(string(comm))
}
