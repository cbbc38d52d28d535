package sysctl_test

import (
	"errors"
	"io/fs"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/sysctl"
)

// TestPath: a name maps below /proc/sys, and nothing that could climb out
// of it (a slash, a leading or trailing dot) is accepted.
func TestPath(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{name: "net.ipv4.ip_local_port_range", want: "/proc/sys/net/ipv4/ip_local_port_range"},
		{name: "net.ipv4.tcp_tw_reuse", want: "/proc/sys/net/ipv4/tcp_tw_reuse"},
		{name: "net/ipv4/x"},
		{name: "../../etc/passwd"},
		{name: ".net.ipv4"},
		{name: "net.ipv4."},
		{name: ""},
	} {
		got, err := sysctl.Path(tc.name)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "invalid sysctl name") {
				t.Errorf("Path(%q) = %q, %v; want error \"invalid sysctl name\"", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Path(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestReadRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "net/ipv4/ip_local_port_range", ".net.ipv4", "net.ipv4.", "net.ipv4.no_such_sysctl"} {
		if v, err := sysctl.Read(name); err == nil {
			t.Errorf("Read(%q) = %q, nil; want an error", name, v)
		}
		if err := sysctl.Write(name, "1"); err == nil {
			t.Errorf("Write(%q) = nil; want an error", name)
		}
	}
	if _, err := sysctl.Read("net.ipv4.no_such_sysctl"); runtime.GOOS == "linux" && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read of a missing sysctl: %v, want fs.ErrNotExist", err)
	}
}

// TestReadNormalises reads the real ip_local_port_range, which the kernel
// writes with a tab, and checks it comes back as two numbers and one space.
func TestReadNormalises(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sysctls are Linux's")
	}
	v, err := sysctl.Read("net.ipv4.ip_local_port_range")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(v, " ")
	if len(f) != 2 {
		t.Fatalf("Read = %q, want two fields separated by one space", v)
	}
	for _, s := range f {
		if _, err := strconv.Atoi(s); err != nil {
			t.Errorf("Read = %q: %v", v, err)
		}
	}
	n, err := sysctl.ReadInt("net.ipv4.tcp_fin_timeout")
	if err != nil || n <= 0 {
		t.Errorf("ReadInt(tcp_fin_timeout) = %d, %v; want > 0", n, err)
	}
	if n, err := sysctl.ReadInt("net.ipv4.ip_local_port_range"); err == nil {
		t.Errorf("ReadInt(ip_local_port_range) = %d, nil; want an error (two numbers)", n)
	}
}
