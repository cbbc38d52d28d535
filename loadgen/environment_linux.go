package loadgen

import (
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/internal/ports"
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
	env.TCPTwReuse = sysctlInt("net/ipv4/tcp_tw_reuse")
	env.TCPFinTimeout = sysctlInt("net/ipv4/tcp_fin_timeout")
	return env
}

// sysctlInt reads an integer sysctl of the current network namespace
// (path under /proc/sys); 0 when it cannot be read.
func sysctlInt(path string) int {
	b, err := os.ReadFile("/proc/sys/" + path)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}
