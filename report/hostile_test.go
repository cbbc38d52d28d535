package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const okHead = `{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":2,"wind_down_s":0.5`

// TestReadFileRefusesImpossibleValues: each result is refused with an
// *InputError naming the file and the field.
func TestReadFileRefusesImpossibleValues(t *testing.T) {
	good, err := Marshal(sampleForFuzz(t))
	if err != nil {
		t.Fatal(err)
	}
	hdr := sampleForFuzz(t).Latency.Total.HDR
	tests := []struct {
		name, json, want string
	}{
		{"no schema", `{}`, "no schema_version"},
		{"no started_at", `{"schema_version":1}`, "started_at: missing"},
		{"year 1", `{"schema_version":1,"started_at":"0001-01-01T00:00:00Z"}`, "started_at: missing"},
		{"year 500", `{"schema_version":1,"started_at":"0500-01-01T00:00:00Z"}`, "started_at: 0500-01-01T00:00:00Z is not a plausible start"},
		{"year 9999", `{"schema_version":1,"started_at":"9999-01-01T00:00:00Z"}`, "started_at: 9999"},
		{"negative elapsed", `{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":-1}`, "elapsed_s: -1 is outside"},
		{"huge wind-down", okHead + `,"wind_down_s":1e300}`, "wind_down_s: 1e+300 is outside"},
		{"interval 1 ns", okHead + `,"config":{"interval_ns":1}}`, "config.interval_ns: 1 is outside 1000000.."},
		{"merged interval 0", okHead + `,"config":{"interval_ns":1000000,"merged":[{"interval_ns":0}]}}`, "config.merged[0].interval_ns: 0 is outside"},
		{"t_s -5", okHead + `,"timeline":[{"t_s":-5}]}`, "timeline[0].t_s: -5 is outside the run"},
		{"t_s 1e12", okHead + `,"timeline":[{"t_s":1e12}]}`, "timeline[0].t_s: 1e+12 is outside the run"},
		{"t_s backwards", okHead + `,"timeline":[{"t_s":2},{"t_s":1}]}`, "timeline[1].t_s: 1 is before"},
		{"interval errors", okHead + `,"timeline":[{"t_s":1,"errors":{"EAGAIN":-2}}]}`, "timeline[0].errors.EAGAIN: negative count -2"},
		{"negative total", okHead + `,"totals":{"requests_ok":-1}}`, "totals.requests_ok: negative count -1"},
		{"negative error", okHead + `,"errors":{"EADDRNOTAVAIL":-3}}`, "errors.EADDRNOTAVAIL: negative count -3"},
		{"onset after run", okHead + `,"onset":{"EMFILE":{"at_s":100}}}`, "onset.EMFILE.at_s: 100 is outside the run"},
		{"histogram count", okHead + `,"totals":{"requests_ok":3},"latency":{"round_trip":{"count":3,"hdr":"` + hdr + `"},"total":{"count":7,"hdr":"` + hdr + `"}}}`,
			"latency.total.count: 7, but the hdr histogram holds 3 values"},
		{"histogram vs totals", okHead + `,"totals":{"requests_ok":5},"latency":{"round_trip":{"count":3,"hdr":"` + hdr + `"},"total":{"count":3,"hdr":"` + hdr + `"}}}`,
			"latency.round_trip.count: 3 values, but totals.requests_ok is 5"},
		{"answers without histogram", okHead + `,"totals":{"requests_started":3,"requests_ok":3}}`,
			"latency.round_trip.count: 0 values, but totals.requests_ok is 3"},
		{"connections without histogram", okHead + `,"totals":{"connections_opened":2},"latency":{"connect":{"count":0,"hdr":""}}}`,
			"latency.connect.count: 0 values, but totals.connections_opened is 2"},
		{"count without hdr", okHead + `,"latency":{"connect":{"count":4}}}`, "latency.connect.hdr: histogram has 4 values but no hdr encoding"},
		{"bad hdr", okHead + `,"latency":{"connect":{"count":0,"hdr":"!!"}}}`, "latency.connect.hdr: decode histogram"},
		{"negative sockets", okHead + `,"sockets":{"states":{"TIME_WAIT":-1}}}`, "sockets.states.TIME_WAIT: negative count"},
		{"negative client CPU", okHead + `,"client":{"cpu_user_s":-1}}`, "client.cpu_user_s: -1 is not a CPU time"},
		{"negative client RSS", okHead + `,"client":{"rss_file_kb":-4}}`, "client.rss_file_kb: negative count -4"},
		{"client RSS below its parts", okHead + `,"client":{"rss_kb":100,"rss_anon_kb":80,"rss_file_kb":30}}`, "client.rss_kb: 100 kB, less than its parts"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectRefused(t, dir, tt.name, tt.json, tt.want) })
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

// gwOK is a valid gateway: one address, 100 ports, full.
const gwOK = `"gateway":{"snat_addresses":["198.19.0.101"],"port_min":50000,"port_max":50099,"clients":1,"conntrack_max":262144,` +
	`"end":{"entries":100,"states":{"ESTABLISHED":100},"insert_failed":5,"drop":5},"peak_established":100}`

// partOK is a valid part of a merge whose totals are zero.
const partOK = `{"label":"a","shard":{"index":0,"count":2},"started_at":"2026-11-23T12:00:00Z","elapsed_s":2,"totals":{},"errors":{},"onset":{}}`

// manyJSON is n copies of item, comma-separated.
func manyJSON(n int, item func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item(i))
	}
	return b.String()
}

// newFieldRows are results whose gateway, shard or parts no run or merge
// writes, each with what its refusal names.
func newFieldRows() []struct{ name, json, want string } {
	// Later keys win: each helper puts its field last.
	gw := func(field string) string { return okHead + `,` + gwOK[:len(gwOK)-1] + `,` + field + `}}` }
	part := func(field string) string { return okHead + `,"parts":[` + partOK[:len(partOK)-1] + `,` + field + `}]}` }
	return []struct{ name, json, want string }{
		{"257 addresses", okHead + `,"gateway":{"snat_addresses":[` + manyJSON(257, func(i int) string { return fmt.Sprintf(`"10.0.%d.%d"`, i/256, i%256) }) + `]}}`,
			"gateway.snat_addresses: 257 addresses, more than 256"},
		{"address not an ip", okHead + `,"gateway":{"snat_addresses":["198.19.0.101","999.1.1.1"]}}`, `gateway.snat_addresses[1]: "999.1.1.1" is not an IP address`},
		{"address twice", okHead + `,"gateway":{"snat_addresses":["198.19.0.101","198.19.0.101"]}}`, "gateway.snat_addresses[1]: 198.19.0.101 is also snat_addresses[0]"},
		{"port_min 0", okHead + `,"gateway":{"port_min":0,"port_max":100}}`, "gateway.port_min: 0 is outside 1..65535"},
		{"port_max 70000", okHead + `,"gateway":{"port_min":1,"port_max":70000}}`, "gateway.port_max: 70000 is outside port_min..65535"},
		{"ports reversed", okHead + `,"gateway":{"port_min":50000,"port_max":40000}}`, "gateway.port_max: 40000 is outside port_min..65535 (50000..65535)"},
		{"huge range x addresses", okHead + `,"gateway":{"snat_addresses":["10.0.0.1","10.0.0.2"],"port_min":1,"port_max":9000000000000000000}}`, "gateway.port_max: 9000000000000000000 is outside"},
		{"clients negative", gw(`"clients":-1`), "gateway.clients: -1 is outside 0..256"},
		{"conntrack_max negative", gw(`"conntrack_max":-1`), "gateway.conntrack_max: negative count -1"},
		{"timeout negative", gw(`"conntrack_time_wait_s":-120`), "gateway.conntrack_time_wait_s: negative count -120"},
		{"peak over pool", strings.Replace(okHead+`,`+gwOK+`}`, `"peak_established":100`, `"peak_established":101`, 1),
			"gateway.peak_established: 101, more flows than the SNAT pool translates (100 ports (50000-50099) × 1 address × 1 destination = 100 flows)"},
		{"peak negative", strings.Replace(okHead+`,`+gwOK+`}`, `"peak_established":100`, `"peak_established":-1`, 1), "gateway.peak_established: negative count -1"},
		{"end entries negative", okHead + `,"gateway":{"end":{"entries":-1}}}`, "gateway.end.entries: negative count -1"},
		{"end drop negative", okHead + `,"gateway":{"end":{"drop":-1}}}`, "gateway.end.drop: negative count -1"},
		{"state unknown", okHead + `,"gateway":{"end":{"states":{"BANANA":1}}}}`, `gateway.end.states: "BANANA" is not a TCP conntrack state`},
		{"state negative", okHead + `,"gateway":{"end":{"states":{"TIME_WAIT":-4}}}}`, "gateway.end.states.TIME_WAIT: negative count -4"},
		{"a million states", okHead + `,"gateway":{"end":{"states":{` + manyJSON(1_000_000, func(i int) string { return fmt.Sprintf(`"S%d":1`, i) }) + `}}}}`,
			"gateway.end.states: 1000000 states; conntrack has 256 TCP states"},
		{"timeline gateway", okHead + `,"timeline":[{"t_s":1,"gateway":{"insert_failed":-7}}]}`, "timeline[0].gateway.insert_failed: negative count -7"},
		{"pool flows over pool", okHead + `,` + gwOK + `,"prediction":{"snat_pool_flows":101}}`, "prediction.snat_pool_flows: 101 is outside 0..100"},
		{"pool flows negative", okHead + `,` + gwOK + `,"prediction":{"snat_pool_flows":-1}}`, "prediction.snat_pool_flows: -1 is outside"},
		{"pool flows without gateway", okHead + `,"prediction":{"snat_pool_flows":100}}`, "prediction.snat_pool_flows: 100, but the result has no gateway"},
		{"shard index = count", okHead + `,"shard":{"index":4,"count":4}}`, `shard: "4/4": I must be a shard index from 0 to 3`},
		{"shard count 0", okHead + `,"shard":{"index":0,"count":0}}`, `shard: "0/0": N must be a shard count from 1 to 100000`},
		{"shard count huge", okHead + `,"shard":{"index":0,"count":100001}}`, `shard: "0/100001": N must be a shard count from 1 to 100000`},
		{"shard index negative", okHead + `,"shard":{"index":-1,"count":4}}`, `shard: "-1/4": I must be a shard index`},
		{"shard of a merge", okHead + `,"shard":{"index":0,"count":2},"parts":[` + partOK + `]}`, "shard: 0/2, but the result is a merge of 1 parts"},
		{"too many parts", okHead + `,"parts":[` + manyJSON(100_001, func(int) string { return "{}" }) + `]}`, "parts: 100001 parts, more than a merge keeps (100000)"},
		{"part shard", part(`"shard":{"index":2,"count":2}`), `parts[0].shard: "2/2": I must be a shard index from 0 to 1`},
		{"part no start", part(`"started_at":"0001-01-01T00:00:00Z"`), "parts[0].started_at: missing"},
		{"part before merge", part(`"started_at":"2026-11-23T11:00:00Z"`), "parts[0].started_at: 2026-11-23T11:00:00Z is outside the merged run"},
		{"part ends after merge", part(`"elapsed_s":3`), "parts[0].elapsed_s: 3 ends after the merged run"},
		{"part total negative", part(`"totals":{"requests_ok":-1}`), "parts[0].totals.requests_ok: negative count -1"},
		{"part error negative", part(`"errors":{"EADDRNOTAVAIL":-1}`), "parts[0].errors.EADDRNOTAVAIL: negative count -1"},
		{"part onset late", part(`"onset":{"timeout":{"at_s":100000}}`), "parts[0].onset.timeout.at_s: 100000 is outside the merged run"},
		{"part onset negative", part(`"onset":{"timeout":{"at_s":1,"connections_before":-1}}`), "parts[0].onset.timeout: negative count"},
		{"parts sum totals", part(`"totals":{"bytes_sent":5}`), "totals.bytes_sent: 0, but the 1 parts add up to 5: a merge sums its parts"},
		{"parts sum errors", okHead + `,"errors":{"timeout":3},"parts":[` + partOK + `]}`, "errors.timeout: 3, but the 1 parts add up to 0"},
		{"parts sum overflows", okHead + `,"parts":[` + manyJSON(2, func(int) string {
			return strings.Replace(partOK, `"totals":{}`, `"totals":{"bytes_sent":9000000000000000000}`, 1)
		}) + `]}`, "parts: totals.bytes_sent: the parts' sum overflows"},
	}
}

// TestReadFileRefusesImpossibleNewFields: a gateway, shard or parts no
// run or merge writes is refused with an *InputError naming the field;
// valid ones, and results without them, read.
func TestReadFileRefusesImpossibleNewFields(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range newFieldRows() {
		t.Run(tt.name, func(t *testing.T) { expectRefused(t, dir, tt.name, tt.json, tt.want) })
	}
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
