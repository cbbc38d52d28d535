package ports

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/portlab/portlab/internal/sysctl"
)

// LocalPorts are the Linux sysctls that decide which ports connect() may
// pick, as the caller's network namespace has them.
type LocalPorts struct {
	Lo, Hi int
	// Reserved is ip_local_reserved_ports parsed; ReservedRaw as written.
	Reserved    [][2]int
	ReservedRaw string
}

// ReadLocalPorts reads ip_local_port_range and ip_local_reserved_ports.
// Every part of portlab that needs the range reads it here.
func ReadLocalPorts() (LocalPorts, error) {
	var lp LocalPorts
	s, err := sysctl.Read("net.ipv4.ip_local_port_range")
	if err != nil {
		return lp, fmt.Errorf("ports: %w", err)
	}
	if lp.Lo, lp.Hi, err = parsePortRange(s); err != nil {
		return lp, fmt.Errorf("ports: net.ipv4.ip_local_port_range: %w", err)
	}
	// The file is absent on kernels without reserved-port support; that
	// just means nothing is reserved.
	lp.ReservedRaw, err = sysctl.Read("net.ipv4.ip_local_reserved_ports")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return lp, fmt.Errorf("ports: %w", err)
	}
	if lp.Reserved, err = ParseReserved(lp.ReservedRaw); err != nil {
		return lp, fmt.Errorf("ports: net.ipv4.ip_local_reserved_ports: %w", err)
	}
	return lp, nil
}
