package conntrack

import (
	"errors"
	"fmt"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// statsFile is per network namespace, like the table.
const statsFile = "/proc/net/stat/nf_conntrack"

// Take reads this namespace's conntrack table and statistics. Without
// conntrack in the kernel (nothing loaded it yet) the table is empty.
func Take() (*Table, error) {
	flows, err := netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	// A dump the table's changes interrupted is retried a few times, then
	// taken as it is: a sample of a busy table is approximate anyway.
	for try := 0; errors.Is(err, netlink.ErrDumpInterrupted) && try < 3; try++ {
		flows, err = netlink.ConntrackTableList(netlink.ConntrackTable, unix.AF_INET)
	}
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("conntrack: list the table: %w", err)
	}
	t := &Table{Entries: len(flows), States: map[string]int{}}
	for _, f := range flows {
		if tcp, ok := f.ProtoInfo.(*netlink.ProtoInfoTCP); ok {
			t.States[StateName(tcp.State)]++
		}
	}
	fh, err := os.Open(statsFile)
	if err != nil {
		return nil, fmt.Errorf("conntrack: %w", err)
	}
	defer fh.Close()
	if t.Stats, err = ParseStats(fh); err != nil {
		return nil, err
	}
	return t, nil
}
