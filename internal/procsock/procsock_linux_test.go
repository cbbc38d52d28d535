package procsock

import (
	"net"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/testsupport"
)

func TestMain(m *testing.M) { testsupport.Main(m) }

func TestParseSocketLink(t *testing.T) {
	for _, tt := range []struct {
		link string
		want uint32
		ok   bool
	}{
		{"socket:[12345]", 12345, true},
		{"socket:[4294967295]", 4294967295, true},
		{"socket:[4294967296]", 0, false},
		{"socket:[]", 0, false},
		{"socket:[12", 0, false},
		{"pipe:[12345]", 0, false},
		{"/dev/null", 0, false},
		{"anon_inode:[eventpoll]", 0, false},
	} {
		got, ok := parseSocketLink(tt.link)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseSocketLink(%q) = %d, %v; want %d, %v", tt.link, got, ok, tt.want, tt.ok)
		}
	}
}

// inode is the inode of c's socket, as /proc/PID/fd shows it.
func inode(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	ino, err := Inode(c.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	return ino
}

// ownSocket checks that Scan names this process as the holder of one of
// its sockets, and no one as the holder of an inode nobody holds.
func ownSocket(t *testing.T) *Result {
	t.Helper()
	addr := testsupport.DrainServer(t)
	c := testsupport.Dial(t, addr, 1)[0]
	ino := inode(t, c)
	const unheld = 1 // the sockfs root, never a socket descriptor
	r, err := Scan()
	if err != nil {
		t.Fatal(err)
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	want := Process{PID: os.Getpid(), Command: strings.TrimSpace(string(comm))}
	if !slices.Contains(r.Owners[ino], want) {
		t.Errorf("Owners[%d] = %v, want it to contain %+v", ino, r.Owners[ino], want)
	}
	if got := r.Owners[unheld]; got != nil {
		t.Errorf("Owners[%d] = %v, want none", unheld, got)
	}
	if r.Scanned < 1 {
		t.Errorf("Scanned = %d, want >= 1", r.Scanned)
	}
	return r
}

func TestOwnersNamesThisProcess(t *testing.T) {
	r := ownSocket(t)
	if os.Geteuid() == 0 && r.Denied != 0 {
		t.Errorf("as root, Denied = %d, want 0", r.Denied)
	}
}

// TestOwnersUnprivileged runs as an ordinary user, who still sees its own
// sockets and counts root's processes (pid 1 at least) as denied.
func TestOwnersUnprivileged(t *testing.T) {
	testsupport.RunRootless(t, "TestOwnersUnprivilegedHelper")
}

func TestOwnersUnprivilegedHelper(t *testing.T) {
	testsupport.RootlessHelper(t)
	r := ownSocket(t)
	if r.Denied < 1 {
		t.Errorf("as uid %d, Denied = %d, want >= 1 (pid 1's descriptors are root's)", os.Geteuid(), r.Denied)
	}
}

func TestMerge(t *testing.T) {
	a := &Result{Owners: map[uint32][]Process{1: {{PID: 10, Command: "a"}}}, Scanned: 5, Denied: 1}
	b := &Result{Owners: map[uint32][]Process{1: {{PID: 10, Command: "a"}, {PID: 11, Command: "b"}}, 2: {{PID: 12, Command: "c"}}}, Scanned: 6}
	a.Merge(b)
	want := map[uint32][]Process{1: {{PID: 10, Command: "a"}, {PID: 11, Command: "b"}}, 2: {{PID: 12, Command: "c"}}}
	if !reflect.DeepEqual(a.Owners, want) || a.Scanned != 6 || a.Denied != 1 {
		t.Errorf("merged = %+v, want owners %v, 6 scanned, 1 denied", a, want)
	}
}
