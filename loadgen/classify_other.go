//go:build !unix && !windows

package loadgen

func classifyErrno(err error) (ErrorClass, bool) { return 0, false }
