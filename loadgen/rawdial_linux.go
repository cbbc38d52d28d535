package loadgen

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// liveTCP is the TCP protocol dialing its sockets itself: socket(),
// the options asked for, connect(), and the runtime's poller through an
// os.File. Against package net's dial that leaves out getsockname,
// getpeername on the usual path, and the dial context's timer and
// callback; it allocates 18 times per new-connection request instead of
// 44, and takes a fifth less time (BenchmarkRequestNew).
type liveTCP struct{ tcpProtocol }

// withLiveDial returns p dialing by itself, unless an address has an IPv6
// zone, which only package net resolves.
func withLiveDial(p tcpProtocol) connProtocol {
	for _, a := range append(p.r.raddrs[:len(p.r.raddrs):len(p.r.raddrs)], p.r.sources...) {
		if a.Addr().Zone() != "" {
			return p
		}
	}
	return liveTCP{p}
}

// exchange is TCP's on the file itself (see echoExchange); the engine
// gives it only connections dialLive made.
func (p liveTCP) exchange(w *worker, c net.Conn) (time.Time, error) {
	if fc, ok := c.(fileConn); ok {
		return echoExchange(w, fc.File)
	}
	return echoExchange(w, c)
}

// setConnDeadline sets c's deadline, on the socket's file itself when
// liveTCP dialed it (see echoExchange).
func setConnDeadline(c net.Conn, t time.Time) error {
	if fc, ok := c.(fileConn); ok {
		return fc.File.SetDeadline(t)
	}
	return c.SetDeadline(t)
}

// errDialAborted is a dial the stop came before.
var errDialAborted = errors.New("dial aborted by the end of the run")

// fileConn is a connection liveTCP dialed. It holds nothing but the
// file, so making it a net.Conn allocates nothing; the addresses, which
// the engine never asks for, come from the kernel.
type fileConn struct{ *os.File }

func (c fileConn) LocalAddr() net.Addr  { return c.addr(syscall.Getsockname) }
func (c fileConn) RemoteAddr() net.Addr { return c.addr(syscall.Getpeername) }

func (c fileConn) addr(get func(int) (syscall.Sockaddr, error)) net.Addr {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	var sa syscall.Sockaddr
	rc.Control(func(fd uintptr) { sa, _ = get(int(fd)) })
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}
	}
	return nil
}

// dialLive dials connection number n into c, as package net would with
// the Runner's dialer: the same socket options (TCP_NODELAY, and those
// dialControl sets), bind() first when there are source addresses, the
// connect timeout, and errors wrapping the same errno.
func (p liveTCP) dialLive(w *worker, c *conn, n int) error {
	f, err := p.startDial(n)
	if err != nil {
		return err
	}
	// The connect timeout before publishing: the stop's past deadline,
	// set after it, wins.
	if err := f.SetWriteDeadline(time.Now().Add(p.r.cfg.ConnectTimeout)); err != nil {
		f.Close()
		return p.dialError(n, err)
	}
	c.Conn = fileConn{f}
	// At the stop a socket the kernel has connected is a connection, its
	// port taken: the request it was for is incomplete, not the dial.
	if !w.publish(c) {
		if connected(f) {
			return nil
		}
		f.Close()
		return errDialAborted
	}
	if err := awaitConnect(f); err != nil {
		if p.r.aborted.Load() && connected(f) {
			return nil
		}
		f.Close()
		return p.dialError(n, err)
	}
	return nil
}

// startDial makes connection n's socket, with its options, and issues
// its connect(): once it returns the socket's file, the kernel has handed
// out the local port, and the connection may still be on its way.
func (p liveTCP) startDial(n int) (*os.File, error) {
	raddr := p.r.raddrs[n%len(p.r.raddrs)]
	fd, err := p.connectSocket(n, sockaddr(raddr))
	if err != nil {
		return nil, err
	}
	network := "tcp4"
	if !raddr.Addr().Is4() {
		network = "tcp6"
	}
	return os.NewFile(uintptr(fd), network), nil
}

// connectSocket is startDial's raw socket, connecting to sa (connection
// n's destination, which the caller may keep to reuse).
func (p liveTCP) connectSocket(n int, sa unix.Sockaddr) (int, error) {
	network, family := "tcp4", unix.AF_INET
	if !p.r.raddrs[n%len(p.r.raddrs)].Addr().Is4() {
		network, family = "tcp6", unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, p.dialError(n, os.NewSyscallError("socket", err))
	}
	if err := p.prepare(fd, network, n); err != nil {
		unix.Close(fd)
		return -1, p.dialError(n, err)
	}
	switch err := unix.Connect(fd, sa); err {
	case nil, unix.EISCONN, unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
	default:
		unix.Close(fd)
		return -1, p.dialError(n, os.NewSyscallError("connect", err))
	}
	return fd, nil
}

// dialError is err, of dialing connection n, as package net's dial wraps it.
func (p liveTCP) dialError(n int, err error) error {
	raddr := p.r.raddrs[n%len(p.r.raddrs)]
	return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(raddr), Err: err}
}

// prepare sets the socket options on fd before connect(), and binds it
// to the source address of connection n if there are any.
func (p liveTCP) prepare(fd int, network string, n int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	cfg := &p.r.cfg
	if err := setsockopts(fd, network, cfg.ReuseAddr, cfg.BindNoPort, cfg.Linger); err != nil {
		return err
	}
	if len(p.r.sources) > 0 {
		if err := unix.Bind(fd, sockaddr(p.r.sources[n%len(p.r.sources)])); err != nil {
			return os.NewSyscallError("bind", err)
		}
	}
	return nil
}

// awaitConnect waits until f's connect() has completed. A connected
// socket has a peer; until then SO_ERROR says whether it failed. Checking
// before the first wait matters: the poller reports readiness once, and
// on loopback it came before f was registered.
func awaitConnect(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var soErr int
	var getErr error
	err = rc.Write(func(fd uintptr) bool {
		// syscall's, not x/sys/unix's: that one asks for SO_PROTOCOL too.
		if _, err := syscall.Getpeername(int(fd)); err == nil {
			return true
		}
		soErr, getErr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		return getErr != nil || soErr != 0
	})
	switch {
	case err != nil:
		return err
	case getErr != nil:
		return os.NewSyscallError("getsockopt", getErr)
	case soErr != 0:
		return os.NewSyscallError("connect", unix.Errno(soErr))
	}
	return nil
}

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}
