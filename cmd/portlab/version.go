package main

import (
	"runtime/debug"

	"github.com/portlab/portlab/loadgen"
)

// version is loadgen.Version, with the VCS revision when the binary was
// built from a checkout.
func version() string {
	v := loadgen.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}
