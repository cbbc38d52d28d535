package sockstate

import (
	"encoding/binary"
	"errors"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// errDumpInterrupted is the kernel's NLM_F_DUMP_INTR: the socket tables
// changed during the dump, so it may have missed or repeated sockets.
var errDumpInterrupted = errors.New("sock_diag dump interrupted by changes to the socket tables")

// sockDiagByFamily is SOCK_DIAG_BY_FAMILY, the request type of a sock_diag
// dump (linux/sock_diag.h).
const sockDiagByFamily = 20

// recvBufs holds receive buffers between dumps: a scrape every few seconds
// would otherwise allocate one each time.
var recvBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// dump asks the kernel for the TCP sockets of family in the given states
// (a bit per state) and calls each with every struct inet_diag_msg, in
// a buffer reused after each returns. It speaks netlink directly, reusing
// one buffer, where the netlink package allocates and copies 64 KiB per
// receive: the bulk of a sample's garbage at tens of thousands of sockets.
// The socket, opened here, lives in the calling thread's namespace.
func dump(family uint8, states uint32, each func(msg []byte)) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_INET_DIAG)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// A kernel that never answers must not hang a scrape.
	tv := unix.Timeval{Sec: 10}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	req := make([]byte, unix.NLMSG_HDRLEN+sizeofDiagRequest)
	binary.NativeEndian.PutUint32(req[0:4], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:6], sockDiagByFamily)
	binary.NativeEndian.PutUint16(req[6:8], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	copy(req[unix.NLMSG_HDRLEN:], diagRequest{family: family, states: states}.Serialize())
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	bp := recvBufs.Get().(*[]byte)
	defer recvBufs.Put(bp)
	interrupted := false
	for {
		// read(2), not recvfrom: Recvfrom allocates the sender's
		// address on every receive, which here is always the kernel.
		n, err := unix.Read(fd, *bp)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		done, intr, err := parseMessages((*bp)[:n], each)
		interrupted = interrupted || intr
		if err != nil || done {
			if err == nil && interrupted {
				err = errDumpInterrupted
			}
			return err
		}
	}
}

// parseMessages walks the netlink messages of one receive, calling each
// with the payload of every data message. done is true at NLMSG_DONE.
func parseMessages(b []byte, each func([]byte)) (done, interrupted bool, err error) {
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		typ := binary.NativeEndian.Uint16(b[4:6])
		flags := binary.NativeEndian.Uint16(b[6:8])
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return false, interrupted, errors.New("malformed netlink message")
		}
		interrupted = interrupted || flags&unix.NLM_F_DUMP_INTR != 0
		switch typ {
		case unix.NLMSG_DONE:
			return true, interrupted, nil
		case unix.NLMSG_ERROR:
			if l >= unix.NLMSG_HDRLEN+4 {
				if errno := -int32(binary.NativeEndian.Uint32(b[unix.NLMSG_HDRLEN:])); errno != 0 {
					return false, interrupted, syscall.Errno(errno)
				}
			}
			return true, interrupted, nil
		default:
			each(b[unix.NLMSG_HDRLEN:l])
		}
		b = b[min((l+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1), len(b)):]
	}
	return false, interrupted, nil
}
