package echo_test

import (
	"github.com/portlab/portlab/internal/ports"

	"os"
	"strings"
	"testing"

	"github.com/portlab/portlab/echo"
)

func TestEphemeralWarningHost(t *testing.T) {
	_, rng, ok := echo.PortInEphemeralRange(1)
	if !ok {
		t.Skip("ephemeral port settings unreadable")
	}
	if rng[0] > 7777 || rng[1] < 7777 {
		if w := echo.EphemeralWarning(7777); w != "" {
			t.Errorf("EphemeralWarning(7777) with range %v = %q, want \"\"", rng, w)
		}
	}

	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_reserved_ports")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	reserved, err := ports.ParseReserved(string(b))
	if err != nil {
		t.Fatal(err)
	}
	port := unreserved(rng, reserved)
	if port == 0 {
		t.Skipf("every port in %v is reserved", rng)
	}
	w := echo.EphemeralWarning(port)
	if !strings.Contains(w, "ip_local_reserved_ports") {
		t.Errorf("EphemeralWarning(%d) with range %v = %q, want a warning naming ip_local_reserved_ports", port, rng, w)
	}
	if in, _, _ := echo.PortInEphemeralRange(port); !in {
		t.Errorf("PortInEphemeralRange(%d) = false, want true", port)
	}
}

func unreserved(rng [2]int, reserved [][2]int) int {
next:
	for p := rng[0]; p <= rng[1]; p++ {
		for _, r := range reserved {
			if r[0] <= p && p <= r[1] {
				continue next
			}
		}
		return p
	}
	return 0
}
