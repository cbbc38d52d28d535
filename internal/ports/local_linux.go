package ports

import (
	"errors"
	"fmt"
	"os"
	"strings"
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
	b, err := os.ReadFile(procIPv4 + "ip_local_port_range")
	if err != nil {
		return lp, fmt.Errorf("ports: %w", err)
	}
	if lp.Lo, lp.Hi, err = parsePortRange(string(b)); err != nil {
		return lp, fmt.Errorf("ports: %sip_local_port_range: %w", procIPv4, err)
	}
	// The file is absent on kernels without reserved-port support; that
	// just means nothing is reserved.
	b, err = os.ReadFile(procIPv4 + "ip_local_reserved_ports")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return lp, fmt.Errorf("ports: %w", err)
	}
	lp.ReservedRaw = strings.TrimSpace(string(b))
	if lp.Reserved, err = ParseReserved(lp.ReservedRaw); err != nil {
		return lp, fmt.Errorf("ports: %sip_local_reserved_ports: %w", procIPv4, err)
	}
	return lp, nil
}
