package netns

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestVerify: only the namespace the parent named, and never the host's,
// passes, whatever PORTLAB_NETNS says.
func TestVerify(t *testing.T) {
	const self = "/proc/self/ns/net"
	id, err := nsID(self)
	if err != nil {
		t.Skipf("no %s: %v", self, err)
	}
	other := filepath.Join(t.TempDir(), "other-namespace")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	otherID, err := nsID(other)
	if err != nil {
		t.Fatal(err)
	}
	initial := id.Ino == initNetIno
	for _, tc := range []struct {
		name    string
		want    ID
		host    string
		refused bool
	}{
		{"named, not the host", id, other, initial},
		{"named, PID 1 unreadable", id, filepath.Join(t.TempDir(), "missing"), initial},
		{"named, but the host's", id, self, true},
		{"not named", ID{}, other, true},
		{"another namespace", otherID, other, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvInside, "1") // proves nothing
			err := verify(tc.want, self, tc.host)
			if refused := errors.Is(err, ErrNotCreated); refused != tc.refused {
				t.Errorf("verify = %v, want refused %v", err, tc.refused)
			}
		})
	}
}
