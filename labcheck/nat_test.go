package labcheck_test

import (
	"path/filepath"
	"testing"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/report"
)

// natResult writes a run behind a NAT gateway of 100 SNAT ports into dir
// as name, after edit: by default 150 keep-alive workers, 100 connected,
// the rest timed out (the hand-made result of report's tests).
func natResult(t *testing.T, dir, name string, edit func(*report.Result)) {
	t.Helper()
	r, err := report.ReadFile("../report/testdata/snat-exhaustion.json")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(r)
	}
	if err := report.WriteFile(filepath.Join(dir, name), r); err != nil {
		t.Fatal(err)
	}
}

// setOpened gives r n connections, each with its connect latency.
func setOpened(t *testing.T, r *report.Result, n int64) {
	t.Helper()
	h := report.NewHDR()
	for i := range n {
		h.RecordValue(150 + i%100)
	}
	s, err := report.Summarize(h)
	if err != nil {
		t.Fatal(err)
	}
	r.Totals.ConnectionsOpened, r.Latency.Connect = n, s
}

// cured is the exhausted run through twice the gateway addresses: all
// 150 connect.
func cured(t *testing.T) func(*report.Result) {
	return func(r *report.Result) {
		r.Gateway.SNATAddresses = append(r.Gateway.SNATAddresses, "198.19.0.3")
		r.Errors, r.Onset = map[string]int64{}, map[string]report.Onset{}
		r.Totals.RequestsFailed, r.Totals.RequestsStarted = 0, r.Totals.RequestsOK
		setOpened(t, r, 150)
		for i := range r.Timeline {
			r.Timeline[i].Errors = nil
		}
	}
}

// churned is a run of new connections through the pool, n of them.
func churned(t *testing.T, n int64) func(*report.Result) {
	return func(r *report.Result) {
		cured(t)(r)
		r.Gateway.SNATAddresses = r.Gateway.SNATAddresses[:1]
		r.Config.Mode, r.Config.Concurrency = config.ModeNew, 8
		setOpened(t, r, n)
		r.Gateway.End = report.GatewaySample{Entries: 100, States: map[string]int{"TIME_WAIT": 100}}
	}
}

func TestExercise11(t *testing.T) {
	runCases(t, 11, []checkCase{
		{name: "nothing yet", ok: []bool{false, false, false}, says: []string{
			"missing: SNAT exhaustion: connect timeouts at the pool's size, the client's own ports free: no result of a run behind a NAT gateway",
			"do: portlab run --out DIR snat-exhaustion", "do: portlab run --out DIR snat-time-wait"}},
		{name: "a local exhaustion is not SNAT", sysctls: narrow(), setup: exhausted("ex1.json"), ok: []bool{false, false, false},
			says: []string{"no result of a run behind a NAT gateway"}},
		{name: "exhausted", setup: func(t *testing.T, dir string) { natResult(t, dir, "snat.json", nil) },
			ok: []bool{true, false, false}, says: []string{
				"ok: SNAT exhaustion: connect timeouts at the pool's size, the client's own ports free: snat.json: 100 connections through 100 ports (50000-50099) × 1 address × 1 destination = 100 flows, then 150 connect timeouts and no EADDRNOTAVAIL",
				"missing: a cure: as many workers as the exhausted run, none timed out: no run behind a NAT gateway of 150 workers or more without timeouts"}},
		{name: "timeouts before the pool filled", setup: func(t *testing.T, dir string) {
			natResult(t, dir, "early.json", func(r *report.Result) { setOpened(t, r, 60) })
		}, ok: []bool{false, false, false}, says: []string{"no run behind a NAT gateway timed out after as many connections as its pool holds"}},
		{name: "exhausted, cured, churned", setup: func(t *testing.T, dir string) {
			natResult(t, dir, "a-exhausted.json", nil)
			natResult(t, dir, "b-more-addresses.json", cured(t))
			natResult(t, dir, "c-pool.json", func(r *report.Result) {
				cured(t)(r)
				r.Gateway.SNATAddresses = r.Gateway.SNATAddresses[:1]
				r.Config.Mode, r.Config.PoolSize = config.ModePool, 50
				setOpened(t, r, 50)
			})
			natResult(t, dir, "d-churn.json", churned(t, 2000))
		}, ok: []bool{true, true, true}, says: []string{
			"the 150 workers of a-exhausted.json connected in b-more-addresses.json (more gateway addresses), c-pool.json (a bounded pool)",
			"ok: churn through the gateway: closed flows hold no SNAT port here: d-churn.json: 2,000 connections through 100 ports",
			"held at most 100 conntrack entries"}},
		{name: "churn within the pool proves nothing", setup: func(t *testing.T, dir string) {
			natResult(t, dir, "churn.json", churned(t, 150))
		}, ok: []bool{false, false, false}, says: []string{"churn.json: 150 connections through 100 ports", "not more than twice the pool"}},
	})
}
