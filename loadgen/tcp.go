package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

func init() { protocols[ProtocolTCP] = newTCP }

// tcpProtocol writes Payload bytes and reads their echo.
type tcpProtocol struct{ r *Runner }

func newTCP(ctx context.Context, r *Runner) (protocol, error) {
	if err := r.resolve(ctx, "tcp", r.cfg.Targets()); err != nil {
		return nil, err
	}
	return withLiveDial(tcpProtocol{r}), nil
}

func (p tcpProtocol) preflight(ctx context.Context) error { return p.r.preflightTCP(ctx) }

func (p tcpProtocol) dial(ctx context.Context, n int) (net.Conn, error) {
	c, err := p.r.dialTCP(ctx, n)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (tcpProtocol) exchange(w *worker, c net.Conn) (time.Time, error) { return echoExchange(w, c) }

// echoExchange writes the payload on c and reads its echo: TCP's
// exchange, on a net.Conn or (liveTCP) on the socket's *os.File itself,
// whose methods it then calls with no wrapper frame between.
func echoExchange(w *worker, c io.ReadWriter) (time.Time, error) {
	n, err := c.Write(w.payload)
	w.bytesSent += int64(n)
	// io.ReadFull's loop, in this frame: two fewer frames on the stack
	// the worker waits in.
	for got := 0; err == nil && got < len(w.payload); {
		n, err = c.Read(w.buf[got:len(w.payload)])
		got += n
		w.bytesReceived += int64(n)
		if err == io.EOF && got < len(w.payload) {
			err = io.ErrUnexpectedEOF
		}
	}
	answered := time.Now()
	if err == nil && w.r.cfg.AwaitClose {
		err = awaitEOF(c, w.buf)
	}
	return answered, err
}

func (tcpProtocol) close() {}

// preflightTCP makes one connection to every destination before the run.
// It closes with SO_LINGER 0, so it leaves no TIME_WAIT behind to skew the
// count of ports.
func (r *Runner) preflightTCP(ctx context.Context) error {
	for i, raddr := range r.raddrs {
		c, err := r.dialTCP(ctx, i)
		if err != nil {
			return preflightError(ctx, raddr, err)
		}
		err = c.SetLinger(0)
		c.Close()
		if err != nil {
			return fmt.Errorf("preflight: set SO_LINGER: %w", err)
		}
	}
	return nil
}

// dialTCP makes TCP connection number n: to the destinations in turn, from
// the source addresses in turn when there are any. HTTP's Transport dials
// through it too.
func (r *Runner) dialTCP(ctx context.Context, n int) (*net.TCPConn, error) {
	raddr, target := r.raddr, r.target
	if len(r.raddrs) > 1 {
		i := n % len(r.raddrs)
		raddr, target = r.raddrs[i], r.targets[i]
	}
	var c *net.TCPConn
	if len(r.sources) > 0 {
		// An explicit source address means bind() before connect(): the
		// port is picked without knowing the destination unless
		// IP_BIND_ADDRESS_NO_PORT defers it.
		var err error
		if c, err = r.dialer.DialTCP(ctx, "tcp", r.sources[n%len(r.sources)], raddr); err != nil {
			return nil, err
		}
	} else {
		// Not DialTCP with a zero local address: that binds to 0.0.0.0:0
		// before connect(), which picks the port with no regard for the
		// destination and fails with EADDRINUSE where a plain connect()
		// would go on (or hit EADDRNOTAVAIL). DialContext leaves the
		// choice to connect().
		nc, err := r.dialer.DialContext(ctx, "tcp", target)
		if err != nil {
			return nil, err
		}
		c = nc.(*net.TCPConn)
	}
	if err := afterDial(c, &r.cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// errNoServerClose is the failure of a server that answered but did not
// close when the client waited for it to.
var errNoServerClose = errors.New("server sent more data instead of closing")

// awaitEOF reads until the server's FIN. Any further byte is an error.
func awaitEOF(c io.Reader, buf []byte) error {
	n, err := c.Read(buf[:1])
	if err == io.EOF {
		return nil
	}
	if err == nil && n > 0 {
		return errNoServerClose
	}
	return err
}
