package report

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/config"
)

// shardResult is shard i of n of a load labelled "web", as portlab load
// --shard writes it, with an onset of its own.
func shardResult(t *testing.T, i, n int) *Result {
	r := sampleResult(t)
	r.Shard = &config.Shard{Index: i, Count: n}
	r.Label = "web shard " + r.Shard.String()
	r.Config = &RunConfig{Load: config.DefaultLoad()}
	r.Config.Label = "web"
	r.StartedAt = r.StartedAt.Add(time.Duration(i) * time.Millisecond)
	r.Totals.ConnectionsOpened += int64(i)
	r.Onset = map[string]Onset{"EADDRNOTAVAIL": {AtS: 0.1 * float64(i+1), RequestsOKBefore: int64(100 * i), ConnectionsBefore: int64(10 * i)}}
	return r
}

// Shards of one load merge as a set: each shard once, all of one count;
// a missing one is named in a note. Every input stays visible as a part,
// with its own onsets, through a merge of merges too.
func TestMergeShards(t *testing.T) {
	s := func(idx ...int) []*Result {
		var rs []*Result
		for _, i := range idx {
			rs = append(rs, shardResult(t, i, 4))
		}
		return rs
	}
	other := sampleResult(t)
	other.Label = "other client"
	bogus := shardResult(t, 1, 4)
	bogus.Shard.Index = 4
	eight := shardResult(t, 1, 8)
	tests := []struct {
		name string
		rs   []*Result
		err  string // the error, or "" to merge
		note string // a note the merge must have; "" for no missing shard
	}{
		{"all four, any order", s(2, 0, 3, 1), "", ""},
		{"one missing", s(0, 1, 3), "", "missing shards: 2/4: the totals are those of 3 of the load's 4 shards, not the whole load"},
		{"two missing", s(3, 0), "", "missing shards: 1/4, 2/4: the totals are those of 2"},
		{"beside another client", append(s(0, 1, 2, 3), other), "", ""},
		{"given twice", s(0, 1, 1, 2, 3), `shard: shard 1/4 is given twice ("web shard 1/4" and "web shard 1/4"): its requests would count twice`, ""},
		{"other count", append(s(0), eight), `shard: "web shard 1/8" is a shard of 8, but "web shard 0/4" one of 4`, ""},
		{"index out of range", append(s(0), bogus), "shard: index 4 of count 4", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Merge(tt.rs...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Merge: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(m.Notes, "\n")
			if missing := strings.Contains(notes, "missing"); missing != (tt.note != "") || !strings.Contains(notes, tt.note) {
				t.Errorf("notes %q, want %q", m.Notes, tt.note)
			}
			checkParts(t, m, tt.rs)
			// The whole load is the sum of the shares: 4 × concurrency 16.
			whole := "new connection per request, concurrency 64, in 4 shards"
			if got := m.Strategy; (got == whole) != (tt.name == "all four, any order") {
				t.Errorf("merged strategy %q; the whole load's is %q", got, whole)
			}
		})
	}
}

// checkParts checks that m keeps every input of rs as a part, in order,
// with its own shard, totals and onsets.
func checkParts(t *testing.T, m *Result, rs []*Result) {
	t.Helper()
	if len(m.Parts) != len(rs) {
		t.Fatalf("%d parts, want %d", len(m.Parts), len(rs))
	}
	var conns int64
	for i, p := range m.Parts {
		r := rs[i]
		if p.Label != r.Label || !reflect.DeepEqual(p.Shard, r.Shard) || p.Totals != r.Totals ||
			!reflect.DeepEqual(p.Onset, r.Onset) || !p.StartedAt.Equal(r.StartedAt) {
			t.Errorf("part %d: %+v\nwant the input's %q %v %+v %v", i, p, r.Label, r.Shard, r.Totals, r.Onset)
		}
		conns += p.Totals.ConnectionsOpened
	}
	if conns != m.Totals.ConnectionsOpened {
		t.Errorf("parts opened %d connections, the merge %d", conns, m.Totals.ConnectionsOpened)
	}
}

// A merge of merged shards keeps every shard as a part, and its checks
// see through the nesting; the parts survive the result's JSON.
func TestMergeOfMergedShards(t *testing.T) {
	rs := make([]*Result, 4)
	for i := range rs {
		rs[i] = shardResult(t, i, 4)
	}
	half, err := Merge(rs[0], rs[1])
	if err != nil {
		t.Fatal(err)
	}
	if half.Label != "web" {
		t.Errorf("merged shards are labelled %q, want the load's label %q", half.Label, "web")
	}
	b, err := json.Marshal(half)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	m, err := Merge(&back, rs[2], rs[3])
	if err != nil {
		t.Fatal(err)
	}
	checkParts(t, m, rs)
	if strings.Contains(strings.Join(m.Notes, "\n"), "missing") {
		t.Errorf("a whole set is said to miss shards: %q", m.Notes)
	}
	if _, err := Merge(&back, rs[1], rs[2], rs[3]); err == nil || !strings.Contains(err.Error(), "shard 1/4 is given twice") {
		t.Errorf("a shard inside a merge and given again: %v", err)
	}
}

// Inputs that ran in other environments than the first (shards in
// namespaces of their own) are named in one note, not one note each.
func TestMergeEnvironmentNote(t *testing.T) {
	tests := []struct {
		differ int
		want   string
	}{
		{0, ""},
		{1, `"web shard 1/8" ran in a different environment from "web shard 0/8"; the environment shown is "web shard 0/8"'s`},
		{3, `"web shard 1/8", "web shard 2/8" and "web shard 3/8" ran in environments different from "web shard 0/8"'s`},
		{7, `"web shard 1/8", "web shard 2/8", "web shard 3/8", "web shard 4/8", "web shard 5/8" and 2 more ran in environments`},
	}
	for _, tt := range tests {
		rs := make([]*Result, 8)
		for i := range rs {
			rs[i] = shardResult(t, i, 8)
			if i > 0 && i <= tt.differ {
				rs[i].Environment.Netns = fmt.Sprintf("shared:net:[%d]", i)
			}
		}
		m, err := Merge(rs...)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, n := range m.Notes {
			if strings.Contains(n, "environment") {
				notes = append(notes, n)
			}
		}
		if (tt.want == "" && len(notes) != 0) || (tt.want != "" && (len(notes) != 1 || !strings.HasPrefix(notes[0], tt.want))) {
			t.Errorf("%d differing: environment notes %q, want one beginning %q", tt.differ, notes, tt.want)
		}
	}
}
