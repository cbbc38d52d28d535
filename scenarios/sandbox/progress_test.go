package sandbox_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// TestProgress runs two short runs (and one the topology skips) with a
// progress callback: each run that runs starts, sends its figures from the
// sandbox child (at least the final ones, which equal its result's) and
// ends, in that order, numbered among the runs that run.
func TestProgress(t *testing.T) {
	requireSandbox(t)
	sc, err := scenarios.Parse("progress.yaml", []byte(`name: progress
description: two short runs
server: {listen: 127.0.0.1:7777}
defaults: {concurrency: 2, duration: 20s}
runs:
  - name: keep
    load: {mode: keepalive, requests: 300}
  - name: elsewhere
    topology: two-hosts
    load: {requests: 10}
  - name: new
    load: {mode: new, requests: 200}
`))
	if err != nil {
		t.Fatal(err)
	}
	var events []sandbox.Progress
	var stderr bytes.Buffer
	lab, err := sandbox.Execute(context.Background(), sc, sandbox.Options{Stderr: &stderr, ChildExecutable: childExe,
		Progress: func(p sandbox.Progress) { events = append(events, p) }})
	if err != nil || len(lab.Results) != 2 {
		t.Fatalf("Execute: %v, %d results\n%s", err, len(lab.Results), stderr.String())
	}
	for i, want := range []string{"keep", "new"} {
		var run []sandbox.Progress
		for _, e := range events {
			if e.Run.Name == want {
				run = append(run, e)
			}
		}
		if len(run) < 3 {
			t.Fatalf("%s: %d events, want a start, live figures and an end: %+v", want, len(run), run)
		}
		first, last, final := run[0], run[len(run)-1], run[len(run)-2]
		if first.Live != nil || first.Ended || first.Index != i+1 || first.Of != 2 {
			t.Errorf("%s: first event %+v, want the start of run %d of 2", want, first, i+1)
		}
		if !last.Ended || last.Result != lab.Results[i] {
			t.Errorf("%s: last event %+v, want its end with its result", want, last)
		}
		for _, e := range run[1 : len(run)-1] {
			if e.Live == nil {
				t.Fatalf("%s: event %+v between start and end carries no figures", want, e)
			}
		}
		if got, res := final.Live.OK, lab.Results[i].Totals.RequestsOK; got != res {
			t.Errorf("%s: the child's final figures say %d ok, the result %d", want, got, res)
		}
	}
	if n := len(events); events[n-1].Run.Name != "new" {
		t.Errorf("events end with %q, want the last run", events[n-1].Run.Name)
	}
}
