package sockstate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

var families = []struct {
	family uint8
	name   string
}{{unix.AF_INET, "AF_INET"}, {unix.AF_INET6, "AF_INET6"}}

// Take samples every TCP socket of the namespace, IPv4 and IPv6.
func Take() (*Sample, error) {
	var entries []entry
	for _, f := range families {
		socks, err := retryInterrupted(func() ([]*netlink.Socket, error) {
			return netlink.SocketDiagTCP(f.family)
		})
		if err != nil {
			return nil, fmt.Errorf("sockstate: sock_diag dump of %s TCP sockets: %w", f.name, err)
		}
		for _, s := range socks {
			entries = append(entries, entry{
				state:  s.State,
				local:  addrPort(s.ID.Source, s.ID.SourcePort),
				remote: addrPort(s.ID.Destination, s.ID.DestinationPort),
			})
		}
	}
	return build(entries), nil
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
	req := nl.NewNetlinkRequest(nl.SOCK_DIAG_BY_FAMILY, unix.NLM_F_DUMP)
	req.AddData(diagRequest{family: family, states: 1<<stateTimeWait | 1<<stateEstablished})
	err := req.ExecuteIter(unix.NETLINK_INET_DIAG, nl.SOCK_DIAG_BY_FAMILY, func(msg []byte) bool {
		// struct inet_diag_msg starts with idiag_family, idiag_state.
		if len(msg) >= 2 {
			switch msg[1] {
			case stateTimeWait:
				c.timeWait++
			case stateEstablished:
				c.established++
			}
		}
		return true
	})
	return c, err
}

// retryInterrupted runs dump again once when the kernel flags it as
// interrupted (NLM_F_DUMP_INTR: the socket tables changed under it, common
// under churn). A second interruption is accepted: for a monitor, a sample a
// few sockets off is better than none.
func retryInterrupted[T any](dump func() (T, error)) (T, error) {
	v, err := dump()
	if errors.Is(err, netlink.ErrDumpInterrupted) {
		v, err = dump()
		if errors.Is(err, netlink.ErrDumpInterrupted) {
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

func addrPort(ip net.IP, port uint16) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a, port)
}
