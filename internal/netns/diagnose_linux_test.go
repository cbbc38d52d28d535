package netns

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
)

func TestDiagnose(t *testing.T) {
	eperm := fmt.Errorf("fork/exec /x: %w", syscall.EPERM)
	for _, tc := range []struct {
		desc  string
		euid  int
		err   error
		procs map[string]string
		want  []string
	}{
		{"root, no knob", 0, eperm, nil, []string{"CAP_SYS_ADMIN", "--privileged"}},
		{"root, netns off", 0, syscall.ENOSPC, map[string]string{"/proc/sys/user/max_net_namespaces": "0"},
			[]string{"max_net_namespaces is 0", "sysctl -w user.max_net_namespaces"}},
		{"user, userns off", 1000, syscall.ENOSPC, map[string]string{"/proc/sys/user/max_user_namespaces": "0"},
			[]string{"user namespaces are disabled", "max_user_namespaces is 0", "or run as root"}},
		{"user, userns limit reached", 1000, syscall.ENOSPC, map[string]string{"/proc/sys/user/max_user_namespaces": "7"},
			[]string{"limit on user namespaces is reached", "is 7"}},
		{"user, debian knob", 1000, eperm, map[string]string{"/proc/sys/kernel/unprivileged_userns_clone": "0"},
			[]string{"unprivileged_userns_clone is 0", "sysctl -w kernel.unprivileged_userns_clone=1"}},
		{"user, apparmor", 1000, eperm, map[string]string{"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1"},
			[]string{"AppArmor", "apparmor_restrict_unprivileged_userns=0"}},
		{"user, no knob", 1000, eperm, map[string]string{"/proc/sys/user/max_user_namespaces": "15000"},
			[]string{"refused CLONE_NEWUSER|CLONE_NEWNET for uid 1000", "or run as root"}},
	} {
		read := func(path string) (string, bool) {
			v, ok := tc.procs[path]
			return v, ok
		}
		got := diagnose(tc.euid, tc.err, read)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("%s: diagnose = %q, want it to contain %q", tc.desc, got, want)
			}
		}
	}
}
