package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/config"
)

// A run's config is stored as config.Load's JSON, a merge's as its inputs
// under "merged"; both read back typed.
func TestRunConfigJSON(t *testing.T) {
	load := config.DefaultLoad()
	load.Target, load.UnreadBody, load.AwaitClose = "127.0.0.1:7777", true, true
	want, err := json.Marshal(&load)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(&RunConfig{Load: load})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("a run's config is\n  %s\nwant config.Load's JSON\n  %s", got, want)
	}
	merged := &RunConfig{Merged: []*RunConfig{{Load: load}, nil}}
	merged.Interval = 250 * time.Millisecond
	b, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"interval_ns":250000000,"merged":[{"protocol":"tcp"`) {
		t.Errorf("merged config %s", b)
	}
	var back RunConfig
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Interval != merged.Interval || len(back.Merged) != 2 || back.Merged[0].Target != load.Target || back.Merged[1] != nil {
		t.Errorf("merged config read back as %+v", back)
	}
}

// A config written before a knob existed reads that knob's default, and
// the JSON keys that differ from the knobs' names still decode.
func TestRunConfigReadsOlderResults(t *testing.T) {
	var c RunConfig
	old := `{"target":"10.0.0.1:80","mode":"keepalive","concurrency":4,"duration_ns":1000000000,"await_server_close":true,"unread_body":true}`
	if err := json.Unmarshal([]byte(old), &c); err != nil {
		t.Fatal(err)
	}
	if c.Protocol != config.ProtocolTCP || c.Linger != -1 || c.Interval != time.Second || c.Payload != 32 {
		t.Errorf("missing keys did not keep their defaults: %+v", c.Load)
	}
	if !c.AwaitClose || !c.UnreadBody || c.Concurrency != 4 || c.Mode != config.ModeKeepAlive || c.Merged != nil {
		t.Errorf("old keys misread: %+v", c.Load)
	}
}
