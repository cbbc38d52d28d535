//go:build !linux

package loadgen

import (
	"runtime"

	"github.com/portlab/portlab/report"
)

// readEnvironment describes what portable code can see; port settings are
// read on Linux only.
func readEnvironment() report.Environment {
	return report.Environment{OS: runtime.GOOS, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
}
