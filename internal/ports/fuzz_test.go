package ports

import (
	"slices"
	"strings"
	"testing"
)

// FuzzParseReserved: no ip_local_reserved_ports value makes the parser
// panic; an accepted one has ranges within 0-65535 that print back (as
// the kernel prints them) to the same ranges; and counting the reserved
// ports of a window agrees with asking port by port.
func FuzzParseReserved(f *testing.F) {
	for _, s := range []string{"", "8080", "8080,9000-9010", " 1 , 2-3 ", "0-65535", "5-3", "70000", "1,,2", "-", "9000-", "+1", "1-1,1-1"} {
		f.Add(s, uint16(8000), uint16(200))
	}
	f.Fuzz(func(t *testing.T, s string, lo, width uint16) {
		rs, err := ParseReserved(s)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r[0] < 0 || r[0] > r[1] || r[1] > 65535 {
				t.Fatalf("%q: range %v", s, r)
			}
		}
		back, err := ParseReserved(strings.Join(formatRanges(rs), ","))
		if err != nil || !slices.Equal(back, rs) {
			t.Fatalf("%q: %v prints as %q, which parses as %v, %v", s, rs, formatRanges(rs), back, err)
		}
		a := int(lo)
		b := min(a+int(width%1024), 65535)
		n := 0
		for p := a; p <= b; p++ {
			if InRanges(p, rs) {
				n++
			}
		}
		if got := ReservedInRange(a, b, rs); got != n {
			t.Fatalf("%q: ReservedInRange(%d, %d) = %d, port by port %d", s, a, b, got, n)
		}
	})
}
