package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"
)

func init() { protocols[ProtocolUDP] = newUDP }

// udpProtocol sends one datagram of Payload bytes on a connected UDP
// socket and reads the echoed datagram; the socket plays the connection.
type udpProtocol struct{ r *Runner }

func newUDP(ctx context.Context, r *Runner) (protocol, error) {
	if err := r.resolve(ctx, "udp", r.cfg.Targets()); err != nil {
		return nil, err
	}
	return udpProtocol{r}, nil
}

// preflight sends one datagram and waits for its echo: a connected UDP
// socket learns of a closed port only from the ICMP error that answers it.
// The wait ends at --connect-timeout or as soon as ctx is done: a past
// deadline wakes the blocked read.
func (p udpProtocol) preflight(ctx context.Context) error {
	c, err := p.dial(ctx, 0)
	if err == nil {
		defer c.Close()
		if err = c.SetDeadline(time.Now().Add(p.r.cfg.ConnectTimeout)); err == nil {
			// After the deadline above, which would otherwise undo it.
			stop := context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
			defer stop()
			buf := make([]byte, p.r.cfg.Payload)
			if _, err = c.Write(buf); err == nil {
				_, err = c.Read(buf)
			}
		}
	}
	if err != nil {
		return preflightError(ctx, p.r.raddr, err)
	}
	return nil
}

// dial opens a connected UDP socket. connect() on a UDP socket sends
// nothing: it picks the local port (failing with EAGAIN on Linux when none
// is left, or bind() with EADDRINUSE when a source address is given) and
// fixes the peer.
func (p udpProtocol) dial(ctx context.Context, n int) (net.Conn, error) {
	r := p.r
	if len(r.sources) > 0 {
		c, err := r.dialer.DialUDP(ctx, "udp", r.sources[n%len(r.sources)], r.raddr)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return r.dialer.DialContext(ctx, "udp", r.target)
}

// errDatagramSize is an echo of another size than the request.
var errDatagramSize = fmt.Errorf("echoed datagram of another size: %w", io.ErrUnexpectedEOF)

func (udpProtocol) exchange(w *worker, c net.Conn) (time.Time, error) {
	n, err := c.Write(w.payload)
	w.bytesSent += int64(n)
	if err == nil {
		n, err = c.Read(w.buf)
		w.bytesReceived += int64(n)
		if err == nil && n != len(w.payload) {
			err = errDatagramSize
		}
	}
	return time.Now(), err
}

func (udpProtocol) close() {}
