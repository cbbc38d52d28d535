//go:build windows

package loadgen

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

// On Windows the standard library's syscall.EADDRNOTAVAIL is an invented
// value: Winsock reports WSAEADDRNOTAVAIL (10049), so compare with those.
func classifyErrno(err error) (ErrorClass, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return 0, false
	}
	switch errno {
	case windows.WSAEADDRNOTAVAIL:
		return ClassAddrNotAvail, true
	case windows.WSAEADDRINUSE:
		return ClassAddrInUse, true
	case windows.WSAECONNREFUSED:
		return ClassConnRefused, true
	case windows.WSAECONNRESET, windows.WSAECONNABORTED:
		return ClassConnReset, true
	case windows.WSAETIMEDOUT:
		return ClassTimedOut, true
	case windows.WSAEMFILE:
		return ClassNoFiles, true
	case windows.WSAENOBUFS:
		return ClassNoBufs, true
	}
	return ClassOther, true
}
