package sockstate

import (
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/procsock"
	"github.com/portlab/portlab/internal/testsupport"
)

func TestMain(m *testing.M) { testsupport.Main(m) }

func findDest(s *Sample, remote netip.AddrPort) *Destination {
	for i := range s.Destinations {
		if s.Destinations[i].Remote == remote {
			return &s.Destinations[i]
		}
	}
	return nil
}

// TestTakeEstablishedThenTimeWait runs in a private namespace: in the
// host's, with every other test's loopback churn beside it, one of the 20
// TIME_WAIT sockets once went missing before it was counted.
func TestTakeEstablishedThenTimeWait(t *testing.T) {
	netnstest.Run(t, map[string]string{"net.ipv4.tcp_tw_reuse": "0"}, takeEstablishedThenTimeWait)
}

func takeEstablishedThenTimeWait(t *testing.T) {
	const n = 20
	ln := testsupport.ListenLoopback(t)
	testsupport.Drain(t, ln)
	remote := ln.Addr().(*net.TCPAddr).AddrPort()
	conns := testsupport.Dial(t, remote.String(), n)

	s, err := Take()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s.Listeners, remote) {
		t.Errorf("Listeners = %v, want it to contain %v", s.Listeners, remote)
	}
	d := findDest(s, remote)
	if d == nil {
		t.Fatalf("no destination %v in %+v", remote, s.Destinations)
	}
	if d.Ports != n || len(d.LocalPorts) != n {
		t.Errorf("Ports = %d (%d local ports), want %d", d.Ports, len(d.LocalPorts), n)
	}
	if got := d.States["ESTABLISHED"]; got < n {
		t.Errorf("ESTABLISHED toward %v = %d, want >= %d", remote, got, n)
	}
	checkInodes(t, d, conns)
	tw, est, err := Count()
	if err != nil {
		t.Fatal(err)
	}
	// Both ends of each loopback connection are in this namespace.
	if est < 2*n {
		t.Errorf("Count() = %d TIME_WAIT, %d ESTABLISHED; want >= %d ESTABLISHED", tw, est, 2*n)
	}

	for _, c := range conns {
		c.Close()
	}
	// The server closes after reading EOF; poll until the handshake is done.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s, err = Take(); err != nil {
			t.Fatal(err)
		}
		d = findDest(s, remote)
		if d != nil && d.States["TIME_WAIT"] == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after closing %d clients first, destination %v = %+v, want %d TIME_WAIT", n, remote, d, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d.Ports != n || len(d.Inodes) != 0 {
		t.Errorf("Ports in TIME_WAIT = %d, inodes %v; want %d ports and no inode (no process holds TIME_WAIT)", d.Ports, d.Inodes, n)
	}
	if tw, _, err = Count(); err != nil || tw < n {
		t.Errorf("Count() TIME_WAIT = %d, %v; want >= %d", tw, err, n)
	}
}

// checkInodes checks that d lists the inode of every socket of conns.
func checkInodes(t *testing.T, d *Destination, conns []net.Conn) {
	t.Helper()
	for _, c := range conns {
		if ino := inode(t, c); !slices.Contains(d.Inodes, ino) {
			t.Errorf("Inodes toward %v = %v, want the client socket's inode %d", d.Remote, d.Inodes, ino)
		}
	}
}

// inode is the inode of c's socket, as /proc/PID/fd shows it.
func inode(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	ino, err := procsock.Inode(c.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	return ino
}

func TestTakeUnmapsDualStack(t *testing.T) {
	ln, err := net.Listen("tcp", "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 dual-stack listener: %v", err)
	}
	testsupport.Drain(t, ln)
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	c := testsupport.Dial(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String(), 1)[0]
	client := c.LocalAddr().(*net.TCPAddr).AddrPort()

	s, err := Take()
	if err != nil {
		t.Fatal(err)
	}
	// The accepted socket is AF_INET6 with ::ffff:127.0.0.1 at both ends.
	d := findDest(s, client)
	if d == nil || d.States["ESTABLISHED"] != 1 || d.LocalPorts[0] != port {
		t.Errorf("destination %v (server side of a dual-stack accept) = %+v, want 1 ESTABLISHED from port %d", client, d, port)
	}
	for _, d := range s.Destinations {
		if d.Remote.Addr().Is4In6() {
			t.Errorf("destination %v is IPv4-mapped; want unmapped", d.Remote)
		}
	}
	if want := netip.AddrPortFrom(netip.IPv6Unspecified(), port); !slices.Contains(s.Listeners, want) {
		t.Errorf("Listeners = %v, want it to contain %v", s.Listeners, want)
	}
}

func BenchmarkTake(b *testing.B) {
	for b.Loop() {
		if _, err := Take(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCount(b *testing.B) {
	for b.Loop() {
		if _, _, err := Count(); err != nil {
			b.Fatal(err)
		}
	}
}
