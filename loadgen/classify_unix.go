//go:build unix

package loadgen

import (
	"errors"
	"syscall"
)

func classifyErrno(err error) (ErrorClass, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return 0, false
	}
	switch errno {
	case syscall.EADDRNOTAVAIL:
		return ClassAddrNotAvail, true
	case syscall.EADDRINUSE:
		return ClassAddrInUse, true
	case syscall.EAGAIN:
		// Go's poller retries EAGAIN on reads and writes, so one that
		// surfaces comes from connect(): on Linux, a UDP socket's implicit
		// bind found no free ephemeral port.
		return ClassAgain, true
	case syscall.ECONNREFUSED:
		return ClassConnRefused, true
	case syscall.ECONNRESET, syscall.EPIPE:
		return ClassConnReset, true
	case syscall.ETIMEDOUT:
		return ClassTimedOut, true
	case syscall.EMFILE, syscall.ENFILE:
		return ClassNoFiles, true
	case syscall.ENOBUFS:
		return ClassNoBufs, true
	}
	return ClassOther, true
}
