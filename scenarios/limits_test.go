package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fill repeats item (formatted with its index) after head until the file
// would pass size bytes or n items.
func fill(head, item string, n, size int) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i < n; i++ {
		s := fmt.Sprintf(item, i)
		if b.Len()+len(s) > size {
			break
		}
		b.WriteString(s)
	}
	return b.String()
}

// A run setting most of a load section's knobs: the costliest run to
// decode, key for key.
const fullRun = `  - name: r%d
    lesson: a run with every knob set
    sandbox: {tcp_tw_reuse: "1", tcp_fin_timeout: "30"}
    server: {close: client, payload: 64, linger: -1, backlog: 128, max_conns: 0, delay: 0s}
    load: {mode: pool, pool_size: 4, concurrency: 4, duration: 1s, interval: 250ms, payload: 64,
           connect_timeout: 1s, timeout: 1s, linger: -1, reuseaddr: false, requests: 100}
    expect: {errors.EADDRNOTAVAIL: "==0", totals.connections_opened: "<=4"}
`

// maxFiles are files at the limits, each the most of one kind of work.
func maxFiles() map[string]string {
	return map[string]string{
		"runs":      fill("runs:\n", fullRun, maxItems, MaxFileBytes),
		"keys":      fill("runs:\n  - name: a\n    expect:\n", "      errors.EADDRNOTAVAIL%d: \">0\"\n", 1<<30, MaxFileBytes),
		"aliases":   fill("server: &s {close: client, payload: 64}\ndefaults: &d {mode: pool, concurrency: 4}\nruns:\n", "  - {name: r%d, load: *d, server: *s}\n", maxItems, MaxFileBytes),
		"string":    "runs:\n  - name: a\n    lesson: \"" + strings.Repeat("x", MaxFileBytes-40) + "\"\n",
		"sequences": fill("addresses:\n", "  - 198.18.%d.1/32\n", 1<<30, MaxFileBytes-20) + "runs: [{name: a}]\n",
		// Shared sections at their limits, under every run.
		"sources": fill("defaults:\n  source_ips: ["+strings.TrimSuffix(fill("", "127.0.%d.1,", maxSources, 1<<30), ",")+"]\nruns:\n",
			"  - {name: r%d, load: {concurrency: 2}}\n", maxItems, MaxFileBytes),
		"targets": fill("defaults:\n  target: \""+strings.TrimSuffix(fill("", "127.0.0.1:1%d,", maxDestinations, 1<<30), ",")+"\"\nruns:\n",
			"  - {name: r%d, load: {concurrency: 2}}\n", maxItems, MaxFileBytes),
		"url": fill("server: {protocol: http}\ndefaults: {protocol: http, target: \"http://127.0.0.1:7777/"+strings.Repeat("a", maxScalar-30)+"\"}\nruns:\n",
			"  - {name: r%d, load: {concurrency: 2}}\n", maxItems, MaxFileBytes),
	}
}

// TestLimits: a file over a limit is refused with the limit in the
// message, before its sections are decoded.
func TestLimits(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"too large", strings.Repeat("#", MaxFileBytes+1), fmt.Sprintf("%d bytes is larger than a scenario file may be (1 MiB)", MaxFileBytes+1)},
		{"too many runs", fill("runs:\n", "  - name: r%d\n", maxItems+1, 1<<30), ":2: runs: 1001 items; a scenario file has at most 1000 in a list"},
		{"too many keys", fill("runs:\n  - name: a\n    expect:\n", "      errors.EADDRNOTAVAIL%d: \">0\"\n", maxKeys+1, 1<<30), ":4: runs[0].expect: 101 keys; a scenario file has at most 100 in a mapping"},
		{"too long a value", "runs: [{name: a, lesson: " + strings.Repeat("x", maxScalar+1) + "}]", ":1: runs[0].lesson: 4097 bytes; a scenario file's keys and values are at most 4096 bytes"},
		{"too many targets", "defaults: {target: \"" + strings.Repeat("127.0.0.1:1,", maxDestinations) + "127.0.0.1:1\"}\nruns: [{name: a}]", ":1: runs[0].load.target: a sandbox run has at most 64 destinations, got 65"},
		{"too many sources", "defaults: {source_ips: [" + strings.Repeat("127.0.0.1,", maxSources) + "127.0.0.1]}\nruns: [{name: a}]", ":1: runs[0].load.source_ips: a sandbox run has at most 256 source addresses, got 257"},
		{"too many addresses", fill("runs: [{name: a}]\naddresses:\n", "  - 198.18.%d.1/32\n", maxItems+1, 1<<30), ":3: addresses: 1001 items"},
		{"duplicate key", "runs:\n  - name: a\n    load: {concurrency: 2, concurrency: 3}\n", ":3: runs[0].load.concurrency: duplicate key (first at line 3)"},
		{"unknown key in a section", "server: {close: client, clsoe: server}\nruns: [{name: a}]\n", ":1: server.clsoe: unknown field"},
		{"unknown key through an alias", "server: &s {clsoe: server}\nruns: [{name: a, load: *s}]\n", ":1: server.clsoe: unknown field"},
		{"alias of another section", "server: &s {close: server}\nruns: [{name: a, load: *s}]\n", ":1: runs[0].load.close: unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tc.data))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want an ErrInvalid containing %q", err, tc.want)
			}
		})
	}
}

// TestMaxFiles: files at the limits that are valid parse.
func TestMaxFiles(t *testing.T) {
	for _, name := range []string{"runs", "aliases", "sources", "targets", "url"} {
		data := maxFiles()[name]
		sc, err := Parse(name+".yaml", []byte(data))
		if err != nil {
			t.Fatalf("%s (%d bytes): %v", name, len(data), err)
		}
		if name == "runs" && len(sc.Runs) != maxItems {
			t.Errorf("runs: %d runs, want %d", len(sc.Runs), maxItems)
		}
	}
}

// Merge keys are YAML, not unknown fields.
func TestMergeKey(t *testing.T) {
	sc, err := Parse("m.yaml", []byte("defaults: &d {concurrency: 3}\nruns:\n  - name: a\n    load: {<<: *d, mode: pool}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := sc.Runs[0].Load; l.Concurrency != 3 || l.Mode != "pool" {
		t.Errorf("load %+v", l)
	}
}

// BenchmarkParseMaxFile times the largest files of each kind: parsing is
// linear, so each takes well under a second.
func BenchmarkParseMaxFile(b *testing.B) {
	for name, data := range maxFiles() {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Parse(name+".yaml", []byte(data))
			}
		})
	}
}
