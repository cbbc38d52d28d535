package config

import "golang.org/x/sys/unix"

// openFilesLimit is RLIMIT_NOFILE's soft limit, which the Go runtime has
// raised to the hard one at start; 0 when it cannot be read.
func openFilesLimit() uint64 {
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) != nil || rl.Cur == unix.RLIM_INFINITY {
		return 0
	}
	return rl.Cur
}

// memoryBytes is the machine's physical memory; 0 when it cannot be read.
func memoryBytes() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}
