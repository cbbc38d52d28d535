//go:build !linux

package loadgen

// loopEligible is false: event loops are Linux's (epoll).
func (r *Runner) loopEligible() bool { return false }

// runLoops is never called where loopEligible is false.
func (r *Runner) runLoops() { panic("loadgen: no event loops on this platform") }
