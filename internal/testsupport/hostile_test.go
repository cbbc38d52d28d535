package testsupport

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReadHostileTable: fragments (nested), repeats with their index and
// separator, and base64 files expand to the bytes a case means.
func TestReadHostileTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	table := `{"fragments": {"head": "{\"a\":1", "ok": "@head@}"},
	 "results": [
	  {"name": "frag", "json": "@ok@", "want": "x"},
	  {"name": "repeat", "json": "@head@,\"b\":[@R0@],\"c\":\"@R1@\"}", "repeat": [{"n": 3, "item": "@I@"}, {"n": 2, "item": "x", "sep": ""}], "want": "x"},
	  {"name": "bytes", "json": "", "base64": "AAH/", "want": "x"}]}`
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"frag": `{"a":1}`, "repeat": `{"a":1,"b":[0,1,2],"c":"xx"}`, "bytes": "\x00\x01\xff"}
	tab := ReadHostileTable(t, path)
	for _, r := range tab.Results {
		if r.JSON != want[r.Name] {
			t.Errorf("%s: got %q, want %q", r.Name, r.JSON, want[r.Name])
		}
	}
	if len(tab.Results) != len(want) {
		t.Errorf("%d results, want %d", len(tab.Results), len(want))
	}
}
