package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"

	"github.com/portlab/portlab/report"
)

// ErrorClass is the kind of a failed request, named after its errno where
// it has one.
type ErrorClass uint8

// The error classes, in the order reports list them.
const (
	ClassAddrNotAvail ErrorClass = iota // EADDRNOTAVAIL: no free local port for this destination
	ClassAddrInUse                      // EADDRINUSE: bind found no free port
	ClassAgain                          // EAGAIN from connect(): a UDP socket found no free port
	ClassConnRefused                    // ECONNREFUSED
	ClassConnReset                      // ECONNRESET (and EPIPE, its write-side view)
	ClassTimedOut                       // ETIMEDOUT from the kernel
	ClassNoFiles                        // EMFILE or ENFILE: out of file descriptors
	ClassNoBufs                         // ENOBUFS
	ClassTimeout                        // our own connect or request deadline
	ClassShortRead                      // EOF before the full echo
	ClassHTTP4xx                        // an HTTP response 400-499
	ClassHTTP5xx                        // an HTTP response 500-599
	ClassOther                          // anything else, HTTP 1xx and 3xx among them
	numClasses
)

// classNames are report.ErrorClasses, the one list of the names: the
// constants above follow its order (a test checks it).
var classNames = report.ErrorClasses()

func (c ErrorClass) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "other"
}

// Classify names the class of a request's error by its errno (errors.Is on
// the platform's errno values), never by its message.
func Classify(err error) ErrorClass {
	switch {
	case err == nil:
		return ClassOther
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ClassShortRead
	}
	var status errStatus
	if errors.As(err, &status) {
		return status.class()
	}
	if c, ok := classifyErrno(err); ok {
		return c
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return ClassTimeout
	}
	return ClassOther
}
