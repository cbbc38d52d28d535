//go:build !linux

package config

// openFilesLimit and memoryBytes are read on Linux only; 0 leaves the
// bounds unchecked elsewhere (the run then meets EMFILE or the memory
// limit as it goes).
func openFilesLimit() uint64 { return 0 }

func memoryBytes() uint64 { return 0 }
