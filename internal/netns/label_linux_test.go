package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLabel checks the label from the kernel's answers alone: a namespace
// that is not PID 1's, or whose PID 1 namespace cannot be read, is shared.
func TestLabel(t *testing.T) {
	self := "/proc/self/ns/net"
	fi, err := os.Stat(self)
	if err != nil {
		t.Skipf("no %s: %v", self, err)
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	shared := fmt.Sprintf("shared:net:[%d]", ino)
	if ino == initNetIno {
		shared = "host" // the initial namespace is the host's, whatever PID 1 says
	}
	other := filepath.Join(t.TempDir(), "other-namespace")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		name, self, host, want string
	}{
		{"same as PID 1", self, self, "host"},
		{"PID 1 unreadable", self, missing, shared},
		{"PID 1 elsewhere", self, other, shared},
		{"self unreadable", missing, self, "shared:net:[unknown]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvInside, "1") // Label must not care
			if got := label(tc.self, tc.host); got != tc.want {
				t.Errorf("label(%s, %s) = %q, want %q", tc.self, tc.host, got, tc.want)
			}
		})
	}
}
