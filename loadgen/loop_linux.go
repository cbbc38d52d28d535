package loadgen

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The event-loop engine carries TCP's requests on Linux: one epoll loop
// per CPU, each driving its share of the workers' requests as state
// machines on raw non-blocking sockets, as a C client would. A worker
// costs no goroutine or stack, only its counters and a slot (a few hundred
// bytes), and a request costs the syscalls it needs and no more: socket,
// the options asked for, connect, one registration, write, read, close.
//
// The accounting is the goroutine engine's, through the same worker
// methods (opened, succeed, fail), dial numbering (Runner.dialing,
// dialed) and stop: a slot starts no request once the run has stopped,
// and what is in flight when the stopper aborts counts as incomplete.

// loopEligible says whether the run's requests go through event loops:
// TCP dialed by liveTCP, in a closed loop, with a connection per request
// or one per worker. The pool, the open loop's pacing and the other
// protocols stay with the goroutine engine.
func (r *Runner) loopEligible() bool {
	if _, ok := r.conns.(liveTCP); !ok || r.opts.goroutines {
		return false
	}
	return r.cfg.Rate == 0 && (r.cfg.Mode == ModeNew || r.cfg.Mode == ModeKeepAlive)
}

// slotState is where a slot's request is.
type slotState uint8

const (
	slotStart       slotState = iota // to start its next request
	slotConnecting                   // connect() issued, waiting to be writable
	slotSending                      // part of the payload written
	slotReceiving                    // payload sent, reading the echo
	slotAwaitingEOF                  // echo read, waiting for the server's FIN
	slotDone                         // no more requests: the run stopped or ran out
)

// loopSlot is one worker's request in progress in an event loop.
type loopSlot struct {
	w        *worker
	fd       int // the connection; -1 when it has none
	state    slotState
	sent     int    // payload bytes written
	got      int    // echo bytes read
	events   uint32 // the readiness the loop waits for on fd
	n        int    // the connection's number (worker.nextSource): its destination and source
	dialN    int64  // the dial's number (Runner.dialing)
	uses     int    // requests done on the connection
	begun    time.Time
	sentAt   time.Time // when the request had its connection
	answered time.Time
	due      time.Time // the connect or request deadline
}

// eventLoop is one epoll instance and the slots it drives. Only its own
// goroutine touches it until runLoops closes what it kept.
type eventLoop struct {
	r      *Runner
	proto  liveTCP
	epfd   int
	slots  []loopSlot
	events []unix.EpollEvent
	buf    []byte          // reads land here: the echo is counted, not kept
	raddrs []unix.Sockaddr // the loop's own: connect writes into them
	retry  []int32         // slots whose request failed at once: started on the next turn
	spare  []int32         // retry's other buffer
	active int             // slots not done
}

// loopTick bounds how long a loop waits for events: how late it sees a
// deadline pass or the stopper's abort.
const loopTick = 10 * time.Millisecond

// runLoops runs the workers' requests on event loops until the run is
// over, then closes the connections they kept: only once every loop is
// done, like the goroutine engine (a port freed while another loop still
// dials would let it count past an onset).
func (r *Runner) runLoops() {
	n := min(r.loopCount(runtime.GOMAXPROCS(0)), len(r.workers))
	defer spareProc()()
	loops := make([]*eventLoop, n)
	var wg sync.WaitGroup
	for i := range loops {
		l, err := newEventLoop(r, i, n)
		if err != nil {
			// No epoll instance (out of descriptors): the requests
			// this loop would carry fail, as a dial would.
			l.failAll(err)
			continue
		}
		loops[i] = l
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run()
		}()
	}
	wg.Wait()
	for _, l := range loops {
		if l != nil {
			l.close()
		}
	}
}

// loopCount is how many event loops carry a run on procs CPUs. A new
// connection per request costs the kernel most of its work, on the
// client's side as well, and spreads over every CPU. A keep-alive request
// costs the client little next to its server, which has to answer it on
// these CPUs when it runs on this host: one loop per two CPUs leaves the
// rest to it. Measured on 2 CPUs against a C server on loopback: one
// loop 200-217k requests/s, two 154-170k.
func (r *Runner) loopCount(procs int) int {
	if r.cfg.Mode == ModeKeepAlive {
		return max(procs/2, 1)
	}
	return procs
}

// spare counts the runs whose loops have the runtime keep a spare P.
var spare struct {
	sync.Mutex
	runs  int
	procs int // GOMAXPROCS before the first of them
}

// spareProc raises GOMAXPROCS by one while event loops run, and returns
// its undoing. A loop waits in epoll_wait, a blocking syscall: when no P
// is idle the runtime hands the P of a thread in a syscall to another
// after 20 µs, and the loop must get one back when its events come, a
// futex wake-up each way, with sysmon polling every 20 µs meanwhile. With
// a P to spare the runtime leaves the loops' Ps alone: about a tenth less
// CPU per new-connection request. Runs in one process share the spare.
func spareProc() (undo func()) {
	spare.Lock()
	defer spare.Unlock()
	if spare.runs == 0 {
		spare.procs = runtime.GOMAXPROCS(0)
		runtime.GOMAXPROCS(spare.procs + 1)
	}
	spare.runs++
	return func() {
		spare.Lock()
		defer spare.Unlock()
		if spare.runs--; spare.runs == 0 {
			runtime.GOMAXPROCS(spare.procs)
		}
	}
}

// newEventLoop makes loop i of n, which drives workers i, i+n, i+2n, ...
func newEventLoop(r *Runner, i, n int) (*eventLoop, error) {
	l := &eventLoop{r: r, proto: r.conns.(liveTCP), epfd: -1, buf: make([]byte, r.cfg.Payload+1)}
	for id := i; id < len(r.workers); id += n {
		l.slots = append(l.slots, loopSlot{w: r.workers[id], fd: -1})
	}
	l.active = len(l.slots)
	for _, a := range r.raddrs {
		l.raddrs = append(l.raddrs, sockaddr(a))
	}
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return l, os.NewSyscallError("epoll_create1", err)
	}
	l.epfd = fd
	l.events = make([]unix.EpollEvent, min(len(l.slots), 256))
	return l, nil
}

// failAll counts one failed request per worker of a loop that could not
// be made, so that the run reports why it carried nothing.
func (l *eventLoop) failAll(err error) {
	now := time.Now()
	for i := range l.slots {
		w := l.slots[i].w
		if !l.claim(w) {
			continue
		}
		w.fail(err, now)
		w.finish()
	}
}

// claim claims w's next request; false when the run is over for it.
func (l *eventLoop) claim(w *worker) bool {
	if _, ok := w.next(context.Background()); !ok { // a closed loop: it never waits
		return false
	}
	w.started++
	return true
}

// run drives the loop's slots until every one is done.
func (l *eventLoop) run() {
	for i := range l.slots {
		l.start(int32(i))
	}
	next := time.Now().Add(loopTick)
	for l.active > 0 {
		wait := int(loopTick / time.Millisecond)
		if len(l.retry) > 0 {
			wait = 0
		}
		n, err := unix.EpollWait(l.epfd, l.events, wait)
		if err != nil && err != unix.EINTR {
			l.abortAll(os.NewSyscallError("epoll_wait", err))
			return
		}
		for _, ev := range l.events[:max(n, 0)] {
			s := &l.slots[ev.Fd]
			if int(ev.Pad) == s.fd { // else an event of a connection since closed
				l.ready(int32(ev.Fd), s, ev.Events)
			}
		}
		if retry := l.retry; len(retry) > 0 {
			l.retry = l.spare[:0]
			for _, i := range retry {
				l.start(i)
			}
			l.spare = retry[:0]
		}
		if l.r.aborted.Load() {
			l.abortAll(errDialAborted)
		} else if now := time.Now(); now.After(next) {
			l.expire(now)
			next = now.Add(loopTick)
		}
	}
}

// start starts slot i's next request, or marks it done.
func (l *eventLoop) start(i int32) {
	s := &l.slots[i]
	w := s.w
	if !l.claim(w) {
		s.state = slotDone
		l.active--
		w.finish()
		return
	}
	s.begun = time.Now()
	if s.fd < 0 {
		if err := l.dial(i, s); err != nil {
			w.fail(err, time.Now())
			l.retry = append(l.retry, i)
		}
		return
	}
	l.exchange(i, s, s.begun)
}

// dial opens the slot's connection: liveTCP's socket, options, bind and
// non-blocking connect(), and the loop's interest in its end.
func (l *eventLoop) dial(i int32, s *loopSlot) error {
	r, w := l.r, s.w
	s.dialN = r.dialing()
	s.n = w.nextSource
	w.nextSource++
	fd, err := l.proto.connectSocket(s.n, l.raddrs[s.n%len(l.raddrs)])
	if err != nil {
		return err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT, Fd: i, Pad: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return l.proto.dialError(s.n, os.NewSyscallError("epoll_ctl", err))
	}
	s.fd, s.state, s.events, s.uses = fd, slotConnecting, ev.Events, 0
	s.due = time.Now().Add(r.cfg.ConnectTimeout)
	return nil
}

// ready advances slot i on the readiness events of its connection.
func (l *eventLoop) ready(i int32, s *loopSlot, events uint32) {
	switch s.state {
	case slotConnecting:
		if events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			if err := connectError(s.fd); err != nil {
				l.fail(i, s, l.proto.dialError(s.n, err))
				return
			}
		}
		l.connected(i, s)
	case slotSending:
		l.send(i, s)
	case slotReceiving:
		l.receive(i, s)
	case slotAwaitingEOF:
		l.awaitEOF(i, s)
	}
}

// connectError is the error a socket's connect() ended with, from
// SO_ERROR; nil if it has none.
func connectError(fd int) error {
	soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		return os.NewSyscallError("getsockopt", err)
	case soErr != 0:
		return os.NewSyscallError("connect", unix.Errno(soErr))
	}
	return nil
}

// connected counts the slot's new connection and sends its request.
func (l *eventLoop) connected(i int32, s *loopSlot) {
	r, w := l.r, s.w
	r.dialed(s.dialN)
	now := time.Now()
	w.opened(now, now.Sub(s.begun))
	l.exchange(i, s, now)
}

// exchange sends the request on the slot's connection, which it had at t.
func (l *eventLoop) exchange(i int32, s *loopSlot, t time.Time) {
	if l.r.aborted.Load() {
		l.fail(i, s, errDialAborted)
		return
	}
	s.sentAt, s.sent, s.got = t, 0, 0
	s.due = t.Add(l.r.cfg.Timeout)
	l.send(i, s)
}

// send writes what is left of the payload; MSG_NOSIGNAL, since a reset
// connection is a request's failure, not the process's.
func (l *eventLoop) send(i int32, s *loopSlot) {
	p := s.w.payload
	for s.sent < len(p) {
		n, err := unix.SendmsgN(s.fd, p[s.sent:], nil, nil, unix.MSG_NOSIGNAL)
		if n > 0 {
			s.sent += n
			s.w.bytesSent += int64(n)
		}
		switch {
		case err == unix.EAGAIN:
			s.state = slotSending
			l.interest(i, s, unix.EPOLLOUT)
			return
		case err != nil:
			l.fail(i, s, os.NewSyscallError("write", err))
			return
		}
	}
	// Interest in reading changes only when it was something else: a
	// kept connection reads on, request after request, with no syscall.
	s.state = slotReceiving
	l.interest(i, s, unix.EPOLLIN|unix.EPOLLRDHUP)
}

// interest sets which readiness of the slot's connection the loop waits
// for, when that changes.
func (l *eventLoop) interest(i int32, s *loopSlot, events uint32) {
	if s.events == events {
		return
	}
	s.events = events
	ev := unix.EpollEvent{Events: events, Fd: i, Pad: int32(s.fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, s.fd, &ev); err != nil {
		l.fail(i, s, os.NewSyscallError("epoll_ctl", err))
	}
}

// receive reads what is there of the echo.
func (l *eventLoop) receive(i int32, s *loopSlot) {
	want := len(s.w.payload)
	for s.got < want {
		n, err := unix.Read(s.fd, l.buf[:want-s.got])
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			l.fail(i, s, os.NewSyscallError("read", err))
			return
		case n == 0:
			l.fail(i, s, io.ErrUnexpectedEOF)
			return
		}
		s.got += n
		s.w.bytesReceived += int64(n)
	}
	s.answered = time.Now()
	if l.r.cfg.AwaitClose {
		s.state = slotAwaitingEOF
		l.awaitEOF(i, s)
		return
	}
	l.succeed(i, s)
}

// awaitEOF reads until the server's FIN; any further byte is a failure.
func (l *eventLoop) awaitEOF(i int32, s *loopSlot) {
	n, err := unix.Read(s.fd, l.buf[:1])
	switch {
	case err == unix.EAGAIN:
	case err != nil:
		l.fail(i, s, os.NewSyscallError("read", err))
	case n > 0:
		l.fail(i, s, errNoServerClose)
	default:
		l.succeed(i, s)
	}
}

// succeed records the slot's answered request, keeps or closes its
// connection as the Mode says, and starts the next request.
func (l *eventLoop) succeed(i int32, s *loopSlot) {
	w, cfg := s.w, &l.r.cfg
	w.succeed(s.answered.Sub(s.sentAt), s.answered.Sub(s.begun), s.answered)
	switch {
	case cfg.Mode == ModeKeepAlive:
		s.uses++
		if cfg.RequestsPerConn > 0 && s.uses >= cfg.RequestsPerConn {
			l.drop(s)
		}
	default:
		l.drop(s)
	}
	s.state = slotStart
	l.start(i)
}

// fail records the slot's request as failed (incomplete once the run was
// aborted), closes its connection, and starts the next request.
func (l *eventLoop) fail(i int32, s *loopSlot, err error) {
	s.w.fail(err, time.Now())
	l.drop(s)
	s.state = slotStart
	l.start(i)
}

// drop closes the slot's connection; epoll forgets it by itself.
func (l *eventLoop) drop(s *loopSlot) {
	if s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
}

// expire fails the requests whose connect or request deadline has passed.
func (l *eventLoop) expire(now time.Time) {
	for i := range l.slots {
		s := &l.slots[i]
		if s.state > slotStart && s.state < slotDone && now.After(s.due) {
			var err error = os.ErrDeadlineExceeded
			if s.state == slotConnecting {
				err = l.proto.dialError(s.n, err)
			}
			l.fail(int32(i), s, err)
		}
	}
}

// abortAll ends every request in flight, which the run's abort makes
// incomplete (err counts only if it came before it), and every slot.
func (l *eventLoop) abortAll(err error) {
	now := time.Now()
	for i := range l.slots {
		s := &l.slots[i]
		if s.state == slotDone {
			continue
		}
		if s.state == slotConnecting && peered(s.fd) {
			// Connected, its port taken, but not yet seen: a connection
			// opened for a request that is incomplete.
			l.r.dialed(s.dialN)
			s.w.opened(now, now.Sub(s.begun))
		}
		if s.state != slotStart {
			s.w.fail(err, now)
			l.drop(s)
		}
		s.state = slotDone
		s.w.finish()
	}
	l.active, l.retry = 0, nil
}

// peered says whether socket fd has a peer: its connect() completed.
func peered(fd int) bool {
	_, err := syscall.Getpeername(fd)
	return err == nil
}

// close closes the connections the loop's slots kept and the loop.
func (l *eventLoop) close() {
	for i := range l.slots {
		s := &l.slots[i]
		l.drop(s)
	}
	if l.epfd >= 0 {
		unix.Close(l.epfd)
	}
}
