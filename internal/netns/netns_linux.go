package netns

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"syscall"

	"github.com/vishvananda/netlink"

	"github.com/portlab/portlab/internal/sysctl"
)

// Command returns a command that runs the current executable with args in a
// new network namespace, with PORTLAB_NETNS=1 added to this process's
// environment. Killing ctx kills the child, and so does the death of this
// process (Pdeathsig).
//
// Pdeathsig fires when the thread that started the child exits, not the
// process. Go only ends threads whose goroutine exits while locked with
// runtime.LockOSThread, so do not call Start from such a goroutine.
func Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, executable(), args...)
	cmd.SysProcAttr = sysProcAttr(os.Geteuid(), os.Getegid())
	cmd.Env = append(os.Environ(), EnvInside+"=1")
	return cmd
}

func executable() string {
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return "/proc/self/exe"
}

// sysProcAttr picks the clone flags for a caller with effective IDs euid and
// egid. Root owns the initial user namespace and can create a network
// namespace directly. Anyone else needs a user namespace first; the kernel
// lets an unprivileged process write a uid_map with one line only, mapping
// its own effective uid, and a gid_map only after setgroups is denied.
func sysProcAttr(euid, egid int) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		Pdeathsig:  syscall.SIGKILL,
	}
	if euid != 0 {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: euid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: egid, Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	return attr
}

// Setup prepares the namespace this process was started in by Command: it
// brings lo up (a new namespace has it down, so even 127.0.0.1 is
// unreachable) and then writes each sysctl, in key order. Keys are dotted
// names ("net.ipv4.ip_local_port_range"); values are written as-is to
// /proc/sys ("40000 40999").
//
// Setup refuses to run unless Inside reports true and IsHost reports false,
// so it cannot change the host's settings.
func Setup(sysctls map[string]string) error {
	if !Inside() {
		return fmt.Errorf("netns: Setup refused: this process was not started by netns.Command (%s is not 1), so its sysctls are the host's", EnvInside)
	}
	if IsHost() {
		return fmt.Errorf("netns: Setup refused: %s=1 is set, but this process is in the host's network namespace", EnvInside)
	}
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("netns: find lo: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("netns: bring lo up: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(sysctls)) {
		if err := sysctl.Write(name, sysctls[name]); err != nil {
			return fmt.Errorf("netns: %w", err)
		}
	}
	return nil
}

// IsHost reports whether this process is in the host's network namespace:
// the initial one, or failing a way to tell, the one PID 1 is in (in a
// container, the container's own).
//
// Since Linux 6.18 the initial network namespace has the fixed inode number
// 0xEFFFFFF9 (NET_NS_INIT_INO); namespaces made later get numbers from
// 0xF0000000 up, so a match is never wrong. Otherwise IsHost compares this
// process's namespace with PID 1's. Reading PID 1's needs privilege over it,
// which ordinary users and even a sandboxed root may lack (EACCES); then
// IsHost answers true unless Inside: the safe answer for a caller deciding
// whether it may drain ports.
func IsHost() bool {
	self, err := nsID("/proc/self/ns/net")
	if err != nil {
		return !Inside()
	}
	if self.Ino == initNetIno {
		return true
	}
	host, err := nsID("/proc/1/ns/net")
	if err != nil {
		return !Inside()
	}
	return self == host
}

// Label names the network namespace this process is in, from the kernel
// alone, for a result's environment.netns: "host" when it is the host's
// (the initial namespace, or the one PID 1 is in), otherwise "shared" and
// the namespace as readlink shows it, "shared:net:[4026532...]": one that
// portlab did not create, so other programs may share its ports. Unlike
// IsHost it never trusts PORTLAB_NETNS, which anyone can set, and where
// PID 1's namespace cannot be read (EACCES in many containers) it says
// shared rather than guess host.
func Label() string { return label("/proc/self/ns/net", "/proc/1/ns/net") }

func label(selfPath, hostPath string) string {
	self, err := nsID(selfPath)
	if err != nil {
		return "shared:net:[unknown]"
	}
	if self.Ino == initNetIno {
		return "host"
	}
	if host, err := nsID(hostPath); err == nil && host == self {
		return "host"
	}
	return "shared:" + self.String()
}

// initNetIno is NET_NS_INIT_INO from <linux/nsfs.h>.
const initNetIno = 0xEFFFFFF9

func nsID(path string) (ID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return ID{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ID{}, fmt.Errorf("stat %s: no syscall.Stat_t", path)
	}
	return ID{Dev: uint64(st.Dev), Ino: st.Ino}, nil
}

// Of returns the network namespace process pid is in. A parent that
// started a child with Command reads it at once: the child is in its new
// namespace from its first instruction.
func Of(pid int) (ID, error) {
	return nsID(fmt.Sprintf("/proc/%d/ns/net", pid))
}

// Verify checks, from the kernel alone, that this process runs in the
// network namespace want and that want is not the host's. A child started
// by Command gets from its parent the ID the parent read (Of the child's
// PID) and calls Verify before it changes anything: PORTLAB_NETNS, which
// anyone can set, proves nothing, and in a namespace someone else made
// (unshare -n, a container's) the IDs differ.
func Verify(want ID) error { return verify(want, "/proc/self/ns/net", "/proc/1/ns/net") }

func verify(want ID, selfPath, hostPath string) error {
	self, err := nsID(selfPath)
	if err != nil {
		return fmt.Errorf("netns: cannot tell which namespace this is: %w", err)
	}
	if want == (ID{}) {
		return fmt.Errorf("%w: no namespace was named (this is %s)", ErrNotCreated, self)
	}
	if self != want {
		return fmt.Errorf("%w: this is %s, the parent made %s", ErrNotCreated, self, want)
	}
	if host, err := nsID(hostPath); self.Ino == initNetIno || (err == nil && host == self) {
		return fmt.Errorf("%w: this is the host's namespace", ErrNotCreated)
	}
	return nil
}

// Init must be the first call in main, and in TestMain of every test package
// that uses netnstest. In the child that Available starts as its probe, Init
// brings lo up, writes ip_local_port_range as a check and exits: 0 on
// success, 1 with the reason on stderr. In any other process it returns at
// once. It is the one place in portlab's libraries that calls os.Exit, since
// the probe must not go on to run the program.
func Init() {
	if os.Getenv(envProbe) != "1" || !Inside() {
		return
	}
	if err := probe(); err != nil {
		fmt.Fprintln(os.Stderr, "portlab netns probe:", err)
		os.Exit(1)
	}
	fmt.Println(probeOK)
	os.Exit(0)
}

func probe() error {
	const name = "net.ipv4.ip_local_port_range"
	cur, err := sysctl.Read(name)
	if err != nil {
		return err
	}
	// Writing the current value back proves write access without changing
	// anything, should this ever run somewhere unexpected.
	return Setup(map[string]string{name: cur})
}
