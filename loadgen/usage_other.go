//go:build !unix

package loadgen

// processUsage is not measured here: the result has no client cost.
func processUsage() (usage, bool) { return usage{}, false }
