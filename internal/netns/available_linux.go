package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/portlab/portlab/internal/sysctl"
)

// probeTimeout bounds the probe. It normally takes a few milliseconds; the
// bound matters when a binary that lacks Init runs its whole program in the
// probe.
const probeTimeout = 30 * time.Second

var available = sync.OnceValue(runProbe)

// Available reports nil if this process can create a private network
// namespace with Command, and otherwise an error that says why and what to
// do. It finds out by trying: it starts this binary with Command as a probe
// (answered by Init) that brings lo up and writes ip_local_port_range. The
// answer is computed once per process.
func Available() error {
	return available()
}

func runProbe() error {
	if os.Getenv(envProbe) == "1" {
		// Without this, a test binary that lacks Init would run its tests in
		// the probe, each probing again, without end.
		return errors.New("netns: this process is the namespace probe, yet it got past netns.Init: call netns.Init() first in main and in TestMain")
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := Command(ctx, probeArg)
	// The race detector sleeps a second at exit to catch late reports; the
	// probe has no goroutines worth that wait.
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, envProbe+"=1", "GORACE="+gorace)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err == nil && bytes.Contains(out, []byte(probeOK)) {
		return nil
	}
	output := strings.TrimSpace(string(out))
	var exit *exec.ExitError
	switch {
	case err == nil:
		return fmt.Errorf("netns: the namespace probe (%s) exited 0 without reporting success: call netns.Init() first in main and in TestMain", cmd.Path)
	case errors.As(err, &exit):
		// The clone succeeded, so namespaces work; the check inside failed.
		return fmt.Errorf("netns: the namespace probe (%s) started but failed: %w; its output: %q (if it did not run netns.Init, call that first in main and in TestMain)", cmd.Path, err, output)
	}
	return fmt.Errorf("netns: cannot create a private network namespace: %s: %w", diagnose(os.Geteuid(), err, readProc), err)
}

// diagnose explains in plain words why the kernel refused the clone, from the
// knobs that can forbid it, read with read (readProc outside tests).
func diagnose(euid int, err error, read func(path string) (string, bool)) string {
	var why []string
	if v, ok := read("/proc/sys/user/max_net_namespaces"); ok && v == "0" {
		why = append(why, "network namespaces are disabled (/proc/sys/user/max_net_namespaces is 0; as root: sysctl -w user.max_net_namespaces=10000)")
	}
	if euid == 0 {
		if len(why) == 0 {
			why = append(why, "running as root, yet the kernel refused CLONE_NEWNET: the process probably lacks CAP_SYS_ADMIN or a seccomp filter forbids it (in a container: run it with --privileged, or --cap-add SYS_ADMIN and a seccomp profile that allows unshare)")
		}
		return strings.Join(why, "; ")
	}
	if v, ok := read("/proc/sys/user/max_user_namespaces"); ok && v == "0" {
		why = append(why, "user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0; as root: sysctl -w user.max_user_namespaces=15000)")
	} else if errors.Is(err, syscall.ENOSPC) {
		why = append(why, fmt.Sprintf("the limit on user namespaces is reached (/proc/sys/user/max_user_namespaces is %s)", v))
	}
	if v, ok := read("/proc/sys/kernel/unprivileged_userns_clone"); ok && v == "0" {
		why = append(why, "unprivileged user namespaces are disabled (/proc/sys/kernel/unprivileged_userns_clone is 0; as root: sysctl -w kernel.unprivileged_userns_clone=1)")
	}
	if v, ok := read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); ok && v == "1" {
		why = append(why, "AppArmor restricts unprivileged user namespaces (/proc/sys/kernel/apparmor_restrict_unprivileged_userns is 1; as root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or give this binary an AppArmor profile that allows userns)")
	}
	if len(why) == 0 {
		why = append(why, fmt.Sprintf("the kernel refused CLONE_NEWUSER|CLONE_NEWNET for uid %d (a seccomp filter or security module may forbid user namespaces)", euid))
	}
	return strings.Join(why, "; ") + "; or run as root"
}

// readProc reads a /proc/sys path through the one sysctl reader.
func readProc(path string) (string, bool) {
	name := strings.ReplaceAll(strings.TrimPrefix(path, "/proc/sys/"), "/", ".")
	v, err := sysctl.Read(name)
	return v, err == nil
}
