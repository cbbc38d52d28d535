package netns

import (
	"slices"
	"syscall"
	"testing"
)

// TestSysProcAttr: root makes a network namespace directly; anyone else
// needs a user namespace first, with one-line id maps and setgroups denied,
// or the kernel refuses the maps.
func TestSysProcAttr(t *testing.T) {
	for _, tc := range []struct {
		name       string
		euid, egid int
		flags      uintptr
		mapped     bool
	}{
		{name: "root", euid: 0, egid: 0, flags: syscall.CLONE_NEWNET},
		{name: "root with another group", euid: 0, egid: 1000, flags: syscall.CLONE_NEWNET},
		{name: "user", euid: 1000, egid: 1000, flags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET, mapped: true},
		{name: "nobody", euid: 65534, egid: 65534, flags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET, mapped: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sysProcAttr(tc.euid, tc.egid)
			if got.Cloneflags != tc.flags {
				t.Errorf("Cloneflags = %#x, want %#x", got.Cloneflags, tc.flags)
			}
			if got.Pdeathsig != syscall.SIGKILL {
				t.Errorf("Pdeathsig = %v, want SIGKILL", got.Pdeathsig)
			}
			var wantUID, wantGID []syscall.SysProcIDMap
			if tc.mapped {
				wantUID = []syscall.SysProcIDMap{{ContainerID: 0, HostID: tc.euid, Size: 1}}
				wantGID = []syscall.SysProcIDMap{{ContainerID: 0, HostID: tc.egid, Size: 1}}
			}
			if !slices.Equal(got.UidMappings, wantUID) {
				t.Errorf("UidMappings = %v, want %v", got.UidMappings, wantUID)
			}
			if !slices.Equal(got.GidMappings, wantGID) {
				t.Errorf("GidMappings = %v, want %v", got.GidMappings, wantGID)
			}
			if got.GidMappingsEnableSetgroups {
				t.Error("GidMappingsEnableSetgroups = true, want false (an unprivileged gid_map needs setgroups denied)")
			}
		})
	}
}

func TestCommandEnv(t *testing.T) {
	cmd := Command(t.Context(), "a", "b")
	if got := cmd.Args[1:]; !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Args[1:] = %q, want [a b]", got)
	}
	if last := cmd.Env[len(cmd.Env)-1]; last != "PORTLAB_NETNS=1" {
		t.Errorf("last of Env = %q, want PORTLAB_NETNS=1", last)
	}
	if cmd.SysProcAttr == nil || cmd.SysProcAttr.Cloneflags&syscall.CLONE_NEWNET == 0 {
		t.Errorf("SysProcAttr = %+v, want CLONE_NEWNET", cmd.SysProcAttr)
	}
}
