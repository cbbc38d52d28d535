//go:build unix

package echo

import (
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// reader reads through the raw descriptor so that it can hand its buffer
// back to bufPool whenever the socket runs dry: a plain net.Conn.Read would
// pin 32 KiB to every idle connection, which is gigabytes when a port
// exhaustion test holds tens of thousands of them open. The syscalls are
// the ones net.Conn.Read makes (read, EAGAIN, park on the poller).
type reader struct {
	rc  syscall.RawConn
	buf *[]byte
	fn  func(fd uintptr) bool // r.readFD, bound once so reads allocate nothing

	off, end int // arguments of the current fill
	n        int // results of the current fill
	err      error
}

func (r *reader) init(c *net.TCPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	r.rc, r.fn = rc, r.readFD
	return nil
}

// fill reads at most end-off bytes into the buffer at off. The buffer is
// kept while it holds unechoed bytes (off > 0), so none are lost.
func (r *reader) fill(off, end int) (int, error) {
	r.off, r.end = off, end
	if err := r.rc.Read(r.fn); err != nil {
		return 0, err
	}
	return r.n, r.err
}

// readFD is the RawConn.Read callback: returning false parks the goroutine
// until the socket is readable, then calls it again.
func (r *reader) readFD(fd uintptr) bool {
	if r.buf == nil {
		r.buf = bufPool.Get().(*[]byte)
	}
	for {
		n, err := unix.Read(int(fd), (*r.buf)[r.off:r.end])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if r.off == 0 {
				r.release()
			}
			return false
		case err != nil:
			r.n, r.err = 0, os.NewSyscallError("read", err)
		case n == 0:
			r.n, r.err = 0, io.EOF
		default:
			r.n, r.err = n, nil
		}
		return true
	}
}
