package testsupport

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// HostileTable is the one table of result files no run writes, which the
// report package's reader and the CLI's commands are both held to: each
// with the words its refusal must contain.
type HostileTable struct {
	About string `json:"about"`
	// Fragments are named pieces of JSON ("okHead": a result valid so
	// far) that the cases use as @name@.
	Fragments map[string]string `json:"fragments"`
	Results   []HostileResult   `json:"results"`
}

// HostileResult is one malformed result file.
type HostileResult struct {
	Name string `json:"name"`
	// JSON is the file, with @name@ for a fragment and @R0@, @R1@ for
	// Repeat's items. Base64, when set, is the file instead: bytes a JSON
	// string cannot hold.
	JSON   string   `json:"json"`
	Base64 string   `json:"base64,omitempty"`
	Repeat []Repeat `json:"repeat,omitempty"`
	// Want is what the refusal says, literally.
	Want string `json:"want"`
	// InProcess marks a file too large to read within a CLI
	// invocation's time bound under the race detector.
	InProcess bool   `json:"in_process,omitempty"`
	Why       string `json:"why,omitempty"`
}

// Repeat is N copies of Item, @I@ in it the copy's index, joined by Sep
// (default ",").
type Repeat struct {
	N    int     `json:"n"`
	Item string  `json:"item"`
	Sep  *string `json:"sep,omitempty"`
}

var placeholder = regexp.MustCompile(`@(\w+)@`)

// ReadHostileTable reads the table at path and expands every case's file.
func ReadHostileTable(t testing.TB, path string) *HostileTable {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tab HostileTable
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tab); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for name, f := range tab.Fragments {
		tab.Fragments[name] = tab.expand(t, f, nil, 0)
	}
	seen := map[string]bool{}
	for i := range tab.Results {
		r := &tab.Results[i]
		if seen[r.Name] || r.Want == "" {
			t.Fatalf("%s: case %q is named twice or wants nothing", path, r.Name)
		}
		seen[r.Name] = true
		if r.Base64 != "" {
			data, err := base64.StdEncoding.DecodeString(r.Base64)
			if err != nil {
				t.Fatalf("%s: %s: %v", path, r.Name, err)
			}
			r.JSON = string(data)
			continue
		}
		r.JSON = tab.expand(t, r.JSON, r.Repeat, 0)
	}
	return &tab
}

// expand replaces s's placeholders: fragments (themselves expanded, to a
// bounded depth) and repeats.
func (tab *HostileTable) expand(t testing.TB, s string, repeat []Repeat, depth int) string {
	if depth > 5 {
		t.Fatalf("fragments nest deeper than 5: %.60s", s)
	}
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		if f, ok := tab.Fragments[name]; ok {
			return tab.expand(t, f, nil, depth+1)
		}
		i, err := strconv.Atoi(strings.TrimPrefix(name, "R"))
		if !strings.HasPrefix(name, "R") || err != nil || i >= len(repeat) {
			t.Fatalf("unknown placeholder %s in %.60s", m, s)
		}
		return repeat[i].String()
	})
}

func (r Repeat) String() string {
	sep := ","
	if r.Sep != nil {
		sep = *r.Sep
	}
	items := make([]string, r.N)
	for i := range items {
		items[i] = strings.ReplaceAll(r.Item, "@I@", fmt.Sprint(i))
	}
	return strings.Join(items, sep)
}
