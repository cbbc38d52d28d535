package netns_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/internal/testsupport"
)

const portRange = "net.ipv4.ip_local_port_range"

func hostRange(t *testing.T) string {
	t.Helper()
	v, err := sysctl.Read(portRange)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// nsInode is the inode of this process's network namespace.
func nsInode(t *testing.T) uint64 {
	t.Helper()
	fi, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestSetupInNamespace(t *testing.T) {
	sysctls := map[string]string{
		portRange:               "40000 40999",
		"net.ipv4.tcp_tw_reuse": "0",
	}
	before := hostRange(t) // in the child: the new namespace's default
	netnstest.Run(t, sysctls, func(t *testing.T) {
		for name, want := range sysctls {
			got, err := sysctl.Read(name)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("sysctl.Read(%q) = %q, want %q", name, got, want)
			}
		}
		if netns.IsHost() {
			t.Error("IsHost() = true inside the namespace, want false")
		}
		if !netns.Inside() {
			t.Error("Inside() = false inside the namespace, want true")
		}
		want := fmt.Sprintf("shared:net:[%d]", nsInode(t))
		if got := netns.Label(); got != want {
			t.Errorf("Label() = %q inside the namespace, want %q", got, want)
		}
		c := testsupport.Dial(t, testsupport.DrainServer(t), 1)[0]
		if port := c.LocalAddr().(*net.TCPAddr).Port; port < 40000 || port > 40999 {
			t.Errorf("client port %d, want one from the namespace's range 40000-40999", port)
		}
	})
	if netns.Inside() {
		return // the host checks below belong to the parent
	}
	if got := netns.Label(); netns.IsHost() && got != "host" {
		t.Errorf("Label() = %q on the host, want host", got)
	}
	if after := hostRange(t); after != before {
		t.Errorf("host %s changed from %q to %q", portRange, before, after)
	}
}

// TestConnectExhaustsPortRange reproduces the failure portlab is about: with
// 1,000 ephemeral ports, tcp_tw_reuse off and the client closing first, every
// port ends in TIME_WAIT and connect() fails with EADDRNOTAVAIL.
func TestConnectExhaustsPortRange(t *testing.T) {
	netnstest.Run(t, map[string]string{
		portRange:               "40000 40999",
		"net.ipv4.tcp_tw_reuse": "0",
	}, func(t *testing.T) {
		addr := testsupport.DrainServer(t)
		const maxTries, maxTime = 5000, 10 * time.Second
		deadline := time.Now().Add(maxTime)
		connects := 0
		var err error
		for i := 0; i < maxTries && time.Now().Before(deadline); i++ {
			var c net.Conn
			c, err = net.DialTimeout("tcp", addr, time.Second)
			if err != nil {
				break
			}
			connects++
			c.Close() // the client closes first, so TIME_WAIT holds its port
		}
		t.Logf("%d connects, then: %v", connects, err)
		if !errors.Is(err, syscall.EADDRNOTAVAIL) {
			t.Fatalf("last error = %v, want EADDRNOTAVAIL", err)
		}
		// The listener holds one of the 1,000 ports, so 999 is the usual
		// count. Linux 6.18 sometimes lets a connect take over a port still
		// in TIME_WAIT even with tcp_tw_reuse=0 (no overflow or abort
		// counted): in 1,000 runs, 893 gave 999, 77 gave 1,000 and the rest
		// 1,001-1,015. Hence the margin above the range size.
		if connects < 900 || connects > 1050 {
			t.Errorf("%d successful connects, want 900..1050 (about the 1,000-port range)", connects)
		}
	})
}

func TestSetupRefusesOnHost(t *testing.T) {
	if netns.Inside() {
		t.Skip("checks the host; this process is in a namespace")
	}
	if !netns.IsHost() {
		t.Fatal("IsHost() = false on the host, want true")
	}
	before := hostRange(t)
	// The value is the current one, so nothing would change even if Setup
	// wrongly went ahead.
	sysctls := map[string]string{portRange: before}
	if err := netns.Setup(sysctls); err == nil {
		t.Fatal("Setup on the host returned nil, want an error")
	} else if !strings.Contains(err.Error(), "refused") {
		t.Errorf("Setup on the host: %v, want a refusal", err)
	}
	if kernelTellsHost() {
		// A forged PORTLAB_NETNS=1 does not fool IsHost when the kernel can
		// answer, and Setup still refuses.
		t.Setenv(netns.EnvInside, "1")
		if !netns.IsHost() {
			t.Error("with PORTLAB_NETNS=1 forged on the host, IsHost() = false, want true")
		}
		if err := netns.Setup(sysctls); err == nil {
			t.Error("with PORTLAB_NETNS=1 forged on the host, Setup returned nil, want an error")
		}
	}
	if after := hostRange(t); after != before {
		t.Errorf("host %s changed from %q to %q", portRange, before, after)
	}
}

// kernelTellsHost reports whether IsHost can ask the kernel rather than trust
// the environment: on Linux 6.18+ the initial namespace has a fixed inode,
// and root can usually read PID 1's namespace.
func kernelTellsHost() bool {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/ns/net", &st); err == nil && st.Ino == 0xEFFFFFF9 {
		return true
	}
	return syscall.Stat("/proc/1/ns/net", &st) == nil
}

// TestRootless runs TestRootlessHelper as an ordinary user (nobody, when this
// test runs as root) to check the CLONE_NEWUSER path end to end: Available,
// then a namespace in which ip_local_port_range is writable.
func TestRootless(t *testing.T) {
	testsupport.RunRootless(t, "TestRootlessHelper")
}

// TestRootlessHelper is run by TestRootless, as an ordinary user.
func TestRootlessHelper(t *testing.T) {
	testsupport.RootlessHelper(t)
	netnstest.Run(t, map[string]string{portRange: "40000 40999"}, func(t *testing.T) {
		if got := os.Geteuid(); got != 0 {
			t.Errorf("euid in the namespace = %d, want 0 (the caller mapped to root)", got)
		}
		if got, err := sysctl.Read(portRange); err != nil || got != "40000 40999" {
			t.Errorf("sysctl.Read(%q) = %q, %v; want \"40000 40999\"", portRange, got, err)
		}
		testsupport.Dial(t, testsupport.DrainServer(t), 1)
	})
}
