//go:build !unix

package echo

import "net"

// reader is the portable fallback: it keeps its buffer for the life of the
// connection.
type reader struct {
	c   *net.TCPConn
	buf *[]byte
}

func (r *reader) init(c *net.TCPConn) error {
	r.c = c
	return nil
}

// fill reads at most end-off bytes into the buffer at off.
func (r *reader) fill(off, end int) (int, error) {
	if r.buf == nil {
		r.buf = bufPool.Get().(*[]byte)
	}
	return r.c.Read((*r.buf)[off:end])
}
