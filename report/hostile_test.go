package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/testsupport"
)

// hostileTable is the table of malformed results that this package's
// reader and the CLI's commands share.
func hostileTable(t testing.TB) *testsupport.HostileTable {
	return testsupport.ReadHostileTable(t, "testdata/hostile/results.json")
}

// TestReadFileRefusesImpossibleValues: each result of the shared table is
// refused with an *InputError naming the file and the field.
func TestReadFileRefusesImpossibleValues(t *testing.T) {
	good, err := Marshal(sampleForFuzz(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tt := range hostileTable(t).Results {
		t.Run(tt.Name, func(t *testing.T) { expectRefused(t, dir, tt.Name, tt.JSON, tt.Want) })
	}
	t.Run("valid", func(t *testing.T) {
		path := filepath.Join(dir, "good.json")
		if err := os.WriteFile(path, good, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(path); err != nil {
			t.Errorf("ReadFile of a valid result: %v", err)
		}
	})
}

// expectRefused writes a result file of name in dir and checks that
// ReadFile refuses it with an *InputError naming the file and saying want.
func expectRefused(t *testing.T, dir, name, json, want string) {
	t.Helper()
	path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
	if err := os.WriteFile(path, []byte(json), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("ReadFile = %v, want an *InputError %q naming %s", err, want, path)
	}
}

// TestReadFileRefusesSpecialFiles: a directory, a device, a symlink to one
// and a file over the limit are refused before any read.
func TestReadFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink(os.DevNull, zero); err != nil {
		t.Skip("no symlinks:", err)
	}
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxResultBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct{ path, want string }{
		{dir, "not a regular file (a directory)"},
		{zero, "not a regular file (a device)"},
		{big, "67108865 bytes is larger than a result may be (64 MiB)"},
		{filepath.Join(dir, "missing.json"), "no such file"},
	} {
		_, err := ReadFile(tt.path)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), tt.path+": ") {
			t.Errorf("ReadFile(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
}

// TestMergeRefusesWhatWouldNotFit: inputs too far apart, or whose
// timeline would need too many intervals, are refused naming the field;
// in-memory inputs with offsets outside their run no longer panic.
func TestMergeRefusesWhatWouldNotFit(t *testing.T) {
	at := func(start time.Time, interval time.Duration, ts ...float64) *Result {
		r := &Result{Label: start.Format("15:04"), StartedAt: start, ElapsedS: 2}
		if interval > 0 {
			r.Config = &RunConfig{}
			r.Config.Interval = interval
		}
		for _, s := range ts {
			r.Timeline = append(r.Timeline, Interval{TS: s})
		}
		return r
	}
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rs   []*Result
		want string
	}{
		{"t_s -5", []*Result{at(t0, 0, -5), at(t0, 0, 1)}, `"12:00": timeline[0].t_s: -5 is outside the run`},
		{"t_s 1e12", []*Result{at(t0, 0, 1e12), at(t0, 0, 1)}, `timeline[0].t_s: 1e+12 is outside the run`},
		{"no start", []*Result{{Label: "x", ElapsedS: 1}, at(t0, 0, 1)}, `"x": started_at: missing`},
		{"a week apart", []*Result{at(t0, 0, 1), at(t0.Add(8*24*time.Hour), 0, 1)}, `started_at: ends 192h0m3s after the earliest input starts`},
		{"1 ms over an hour", []*Result{at(t0, time.Millisecond, 1), at(t0.Add(time.Hour), time.Millisecond, 1)},
			`config.interval_ns: 1000000: the merged timeline would need 3602002 intervals of 1ms over 1h0m2.001s, more than 200000`},
		{"interval 1 ns", []*Result{at(t0, time.Nanosecond, 1), at(t0, 0, 1)}, `config.interval_ns: 1 is outside`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(tt.rs...)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input == 0 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Merge = %v, want an *InputError naming its input: %q", err, tt.want)
			}
		})
	}
}

// TestReadFileReadsNewFields: a valid gateway, shard or parts read, as
// results without them do (the shared table holds the invalid ones).
func TestReadFileReadsNewFields(t *testing.T) {
	f := hostileTable(t).Fragments
	okHead, gwOK, partOK := f["okHead"], f["gwOK"], f["partOK"]
	for name, b := range map[string]string{
		"gateway":        okHead + `,` + gwOK + `,"prediction":{"snat_pool_flows":100},"timeline":[{"t_s":1,"gateway":{"entries":3,"states":{"SYN_SENT":3,"STATE_12":0}}}]}`,
		"no port range":  okHead + `,"gateway":{"snat_addresses":["::1"]},"prediction":{"snat_pool_flows":7}}`,
		"shard":          okHead + `,"shard":{"index":3,"count":4}}`,
		"parts":          okHead + `,"parts":[` + partOK + `,` + strings.Replace(partOK, `"index":0`, `"index":1`, 1) + `]}`,
		"parts in parts": okHead + `,"parts":[` + strings.Replace(partOK, `"label":"a"`, `"label":"a","parts":[`+partOK+`]`, 1) + `]}`,
	} {
		if _, err := Unmarshal([]byte(b)); err != nil {
			t.Errorf("%s: Unmarshal of a valid result: %v", name, err)
		}
	}
}

// TestMergeParts: a thousand inputs merge into a result whose parts add
// up to its totals and which reads back, as does a merge of that merge;
// a merge that would keep more than MaxParts parts is refused, naming the
// input that crosses the bound.
func TestMergeParts(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	run := func(i int) *Result {
		r := sampleForFuzz(t)
		r.Label, r.StartedAt = fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Millisecond)
		r.Errors = map[string]int64{"timeout": int64(i % 3)}
		r.Totals.RequestsStarted += int64(i % 3)
		r.Totals.RequestsFailed = int64(i % 3)
		return r
	}
	rs := make([]*Result, 1000)
	for i := range rs {
		rs[i] = run(i)
	}
	m, err := Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := Merge(m, run(1000))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		r     *Result
		parts int
	}{{m, 1000}, {mm, 1001}} {
		b, err := Marshal(c.r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("a merge of %d parts does not read back: %v", c.parts, err)
		}
		if len(back.Parts) != c.parts || back.Errors["timeout"] != c.r.Errors["timeout"] {
			t.Errorf("read back %d parts and %d timeouts, want %d and %d", len(back.Parts), back.Errors["timeout"], c.parts, c.r.Errors["timeout"])
		}
	}

	half := &Result{Label: "half", StartedAt: t0, ElapsedS: 2, Parts: make([]Part, MaxParts/2+1)}
	other := *half
	other.Label = "other half"
	_, err = Merge(run(0), half, &other)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Input != 3 || !strings.Contains(err.Error(), `"other half": parts: the merge would keep 100003 parts, more than 100000`) {
		t.Errorf("Merge of %d parts = %v, want an *InputError naming input 3's parts", 1+2*len(half.Parts), err)
	}
}

// TestMergeGatewaysAndTopologies: inputs behind NAT gateways merge with a
// note that the merge shows no gateway (their pools and tables are no sum),
// naming the inputs and how many pools differ; inputs of different
// topologies with the note that the environment shown is the first's.
func TestMergeGatewaysAndTopologies(t *testing.T) {
	nat := func(label string, ports int) *Result {
		r := sampleForFuzz(t)
		r.Label, r.Environment.Topology = label, "nat"
		r.Gateway = &Gateway{SNATAddresses: []string{"198.19.0.101"}, PortMin: 50000, PortMax: 50000 + ports - 1, Clients: 1}
		return r
	}
	plain := sampleForFuzz(t)
	plain.Label, plain.Environment.Topology = "plain", "two-hosts"
	m, err := Merge(nat("a", 100), nat("b", 200), plain)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(m.Notes, "\n")
	for _, want := range []string{
		`NAT gateway of "a", "b" not merged: the merge shows no gateway; each input's own report shows its (2 different SNAT pools)`,
		`"plain" ran in a different environment from "a"`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if m.Gateway != nil {
		t.Errorf("the merge shows a gateway: %+v", m.Gateway)
	}
	if m, err = Merge(plain, sampleForFuzz(t)); err != nil || strings.Contains(strings.Join(m.Notes, "\n"), "NAT gateway") {
		t.Errorf("a merge without gateways: %v, notes %q", err, m.Notes)
	}
}

// TestOldResultsRead: a result written before the gateway, shard, parts
// and snat_pool_flows fields (a load of the version before them), and
// the NAT example, still read.
func TestOldResultsRead(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata results: %v", err)
	}
	for _, f := range files {
		r, err := ReadFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if f == "testdata/old-result.json" && (r.Gateway != nil || r.Shard != nil || r.Parts != nil || r.Totals.RequestsOK == 0) {
			t.Errorf("%s: read new fields from an old result: %+v", f, r)
		}
	}
}
