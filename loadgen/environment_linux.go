package loadgen

import (
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/internal/ports"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/report"
)

// readEnvironment describes the kernel and the current network namespace's
// port settings; what cannot be read is left zero.
func readEnvironment() report.Environment {
	env := report.Environment{OS: runtime.GOOS, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		env.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if lp, err := ports.ReadLocalPorts(); err == nil {
		env.IPLocalPortRange = [2]int{lp.Lo, lp.Hi}
		env.IPLocalReservedPorts = lp.ReservedRaw
	}
	env.TCPTwReuse, _ = sysctl.ReadInt("net.ipv4.tcp_tw_reuse")
	env.TCPFinTimeout, _ = sysctl.ReadInt("net.ipv4.tcp_fin_timeout")
	return env
}
