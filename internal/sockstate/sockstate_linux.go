package sockstate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

var families = []struct {
	family uint8
	name   string
}{{unix.AF_INET, "AF_INET"}, {unix.AF_INET6, "AF_INET6"}}

// Take samples every TCP socket of the namespace, IPv4 and IPv6.
func Take() (*Sample, error) {
	entries := make([]entry, 0, lastTake.Load()+lastTake.Load()/8)
	for _, f := range families {
		n := len(entries)
		var err error
		entries, err = retryInterrupted(func() ([]entry, error) { return dumpEntries(f.family, entries[:n]) })
		if err != nil {
			return nil, fmt.Errorf("sockstate: sock_diag dump of %s TCP sockets: %w", f.name, err)
		}
	}
	lastTake.Store(int64(len(entries)))
	return build(entries), nil
}

// lastTake is how many sockets the last Take saw: the next one sizes its
// table by it rather than growing it by doubling.
var lastTake atomic.Int64

// dumpEntries appends every TCP socket of one family to entries. It decodes
// struct inet_diag_msg itself rather than through netlink.SocketDiagTCP,
// which allocates a struct and two IP slices per socket: at tens of
// thousands of sockets that was most of a sample's cost.
func dumpEntries(family uint8, entries []entry) ([]entry, error) {
	err := dump(family, allStates, func(msg []byte) {
		if e, ok := parseDiagMsg(msg); ok {
			entries = append(entries, e)
		}
	})
	return entries, err
}

// allStates asks the kernel for sockets in every TCP state.
const allStates = ^uint32(0)

// struct inet_diag_msg: family, state, timer, retrans (1 byte each), then
// struct inet_diag_sockid (sport and dport big-endian, src[16], dst[16],
// if, cookie[2]), then expires, rqueue, wqueue, uid, inode.
const (
	sizeofDiagMsg = 72
	offSport      = 4
	offSrc        = 8
	offDst        = 24
	offInode      = 68
)

func parseDiagMsg(msg []byte) (entry, bool) {
	if len(msg) < sizeofDiagMsg {
		return entry{}, false
	}
	addr := func(off int) netip.Addr {
		if msg[0] == unix.AF_INET {
			return netip.AddrFrom4([4]byte(msg[off : off+4]))
		}
		return netip.AddrFrom16([16]byte(msg[off : off+16]))
	}
	return entry{
		state:  msg[1],
		local:  netip.AddrPortFrom(addr(offSrc), binary.BigEndian.Uint16(msg[offSport:])),
		remote: netip.AddrPortFrom(addr(offDst), binary.BigEndian.Uint16(msg[offSport+2:])),
		inode:  binary.NativeEndian.Uint32(msg[offInode:]),
	}, true
}

// Count returns how many TCP sockets of the namespace are in TIME_WAIT and
// in ESTABLISHED. It is much cheaper than [Take]: the kernel filters by state
// and sends no tcp_info, and nothing is decoded beyond the state byte.
func Count() (timeWait, established int, err error) {
	for _, f := range families {
		c, err := retryInterrupted(func() (counts, error) { return countStates(f.family) })
		if err != nil {
			return 0, 0, fmt.Errorf("sockstate: sock_diag count of %s TCP sockets: %w", f.name, err)
		}
		timeWait += c.timeWait
		established += c.established
	}
	return timeWait, established, nil
}

type counts struct{ timeWait, established int }

func countStates(family uint8) (counts, error) {
	var c counts
	err := dump(family, 1<<stateTimeWait|1<<stateEstablished, func(msg []byte) {
		// struct inet_diag_msg starts with idiag_family, idiag_state.
		if len(msg) >= 2 {
			switch msg[1] {
			case stateTimeWait:
				c.timeWait++
			case stateEstablished:
				c.established++
			}
		}
	})
	return c, err
}

// retryInterrupted runs dump again once when the kernel flags it as
// interrupted (NLM_F_DUMP_INTR: the socket tables changed under it, common
// under churn). A second interruption is accepted: for a monitor, a sample a
// few sockets off is better than none.
func retryInterrupted[T any](dump func() (T, error)) (T, error) {
	v, err := dump()
	if errors.Is(err, errDumpInterrupted) {
		v, err = dump()
		if errors.Is(err, errDumpInterrupted) {
			err = nil
		}
	}
	return v, err
}

// diagRequest is struct inet_diag_req_v2 for a TCP dump of the given states
// with no extensions; netlink's own request type is unexported.
type diagRequest struct {
	family uint8
	states uint32
}

const sizeofDiagRequest = 56 // 4 + 4 (states) + 48 (struct inet_diag_sockid)

func (r diagRequest) Len() int { return sizeofDiagRequest }

func (r diagRequest) Serialize() []byte {
	b := make([]byte, sizeofDiagRequest)
	b[0] = r.family
	b[1] = unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(b[4:8], r.states)
	return b
}
