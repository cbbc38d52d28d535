package main

import "runtime/debug"

// version is the tool version, printed by portlab version and written into
// every result. Release builds set it with
// -ldflags "-X main.version=v1.2.3"; otherwise it is the main module's
// version from the build information, or "devel".
var version string

func init() {
	if version == "" {
		version = buildVersion()
	}
}

// buildVersion is the main module's version as the go command recorded it
// (a tag, or a pseudo-version from the checkout), else "devel" with the VCS
// revision when there is one.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := "devel"
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}
