package resident

import (
	"strings"
	"testing"
)

func TestParseMaps(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []mapping // nil: an error
	}{
		{"binary, heap and anonymous", "00400000-00aab000 r-xp 00000000 fe:00 10027163   /tmp/pl\n" +
			"0c630000-0c651000 rw-p 00000000 00:00 0      [heap]\n" +
			"7f42-7f43 rw-p 00000000 00:00 0\n",
			[]mapping{{0x400000, 0xaab000, "r-xp", "/tmp/pl"}, {0xc630000, 0xc651000, "rw-p", "[heap]"}, {0x7f42, 0x7f43, "rw-p", ""}}},
		{"deleted binary", "00400000-00aab000 r-xp 00000000 fe:00 7 /tmp/pl (deleted)\n",
			[]mapping{{0x400000, 0xaab000, "r-xp", "/tmp/pl"}}},
		{"empty range", "00400000-00400000 r-xp 00000000 fe:00 7 /tmp/pl\n", nil},
		{"no range", "00400000 r-xp 00000000 fe:00 7 /tmp/pl\n", nil},
		{"short line", "00400000-00aab000 r-xp\n", nil},
	} {
		got, err := parseMaps(strings.NewReader(tc.in))
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: got %v, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: [%d] got %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestParseStatus(t *testing.T) {
	const full = "Name:\tportlab\nVmRSS:\t   14412 kB\nRssAnon:\t    2032 kB\nRssFile:\t   12380 kB\nRssShmem:\t       0 kB\n"
	for _, tc := range []struct {
		name, in string
		want     Set
		ok       bool
	}{
		{"kernel's lines", full, Set{KB: 14412, AnonKB: 2032, FileKB: 12380}, true},
		{"no RssFile", strings.Replace(full, "RssFile", "RssX", 1), Set{}, false},
		{"no unit", strings.Replace(full, "2032 kB", "2032", 1), Set{}, false},
		{"empty value", strings.Replace(full, "2032 kB", "", 1), Set{}, false},
		{"not a number", strings.Replace(full, "2032", "2O32", 1), Set{}, false},
	} {
		got, err := parseStatus(strings.NewReader(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v, ok %v", tc.name, got, err, tc.want, tc.ok)
		}
	}
}
