package report

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseCondition(t *testing.T) {
	valid := []struct {
		expr string
		want Condition
	}{
		{"errors.EADDRNOTAVAIL>0", Condition{Path: "errors.EADDRNOTAVAIL", Op: ">", Limit: 0}},
		{"latency.total.p99_us > 5000", Condition{Path: "latency.total.p99_us", Op: ">", Limit: 5000}},
		{"throughput.requests_per_s<1e3", Condition{Path: "throughput.requests_per_s", Op: "<", Limit: 1000}},
		{"onset.EADDRNOTAVAIL.at_s<=0.5", Condition{Path: "onset.EADDRNOTAVAIL.at_s", Op: "<=", Limit: 0.5}},
		{"totals.requests_failed>=1", Condition{Path: "totals.requests_failed", Op: ">=", Limit: 1}},
		{"elapsed_s==10", Condition{Path: "elapsed_s", Op: "==", Limit: 10}},
		{"latency.connect.count!=-1", Condition{Path: "latency.connect.count", Op: "!=", Limit: -1}},
		{"sockets.time_wait_client>900", Condition{Path: "sockets.time_wait_client", Op: ">", Limit: 900}},
		{"interrupted==1", Condition{Path: "interrupted", Op: "==", Limit: 1}},
	}
	for _, tt := range valid {
		got, err := ParseCondition(tt.expr)
		if err != nil {
			t.Errorf("ParseCondition(%q): %v", tt.expr, err)
			continue
		}
		if got.Path != tt.want.Path || got.Op != tt.want.Op || got.Limit != tt.want.Limit {
			t.Errorf("ParseCondition(%q) = %+v, want %+v", tt.expr, got, tt.want)
		}
	}

	invalid := []struct{ expr, want string }{
		{"", "empty condition: want PATH OP NUMBER"},
		{"errors.EADDRNOTAVAIL", `"errors.EADDRNOTAVAIL" has no comparison operator: want PATH OP NUMBER with OP one of >= <= == != > <`},
		{"errors.EADDRNOTAVAIL = 0", `unknown operator "=": want one of >= <= == != > <`},
		{"errors.EADDRNOTAVAIL=>0", `unknown operator "=>"`},
		{">5", `">5" has no path before >`},
		{"errors.EADDRNOTAVAIL>many", `"many" is not a number`},
		{"errors.EADDRNOTAVAIL>", `"" is not a number`},
		{"errors.EADDRNOTAVAIL>NaN", `"NaN" is not a number`},
		{"latency.total.p98_us>5", `latency.total has no "p98_us" (it has count, min_us, mean_us, p50_us, p90_us, p99_us, p999_us, max_us)`},
		{"latency.total>5", "latency.total is not a number: name one of its fields: count, min_us"},
		{"errors>0", "errors is not a number: name one of its entries, as in errors.NAME"},
		{"erors.EADDRNOTAVAIL>0", `a result has no "erors" (it has schema_version, elapsed_s, wind_down_s, interrupted, environment, totals, errors, status, onset, throughput, latency`},
		{"errors.EADDRNOTAVAIL.at_s>0", "errors.EADDRNOTAVAIL is a int64, not an object with fields"},
		{"label>0", "label is a string, not a number"},
		{"timeline.requests_ok>0", "timeline is a list, not an object with fields"},
		{"started_at>0", "started_at is a string, not a number"},
		{"config.concurrency>4", "config is not an object with fields"},
		{"latency..p99_us>5", `"latency..p99_us": empty key`},
	}
	for _, tt := range invalid {
		_, err := ParseCondition(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCondition(%q) = %v, want an error containing %q", tt.expr, err, tt.want)
		}
	}
}

func TestConditionEval(t *testing.T) {
	r := sampleResult(t) // 5 EADDRNOTAVAIL at 0.1 s; total p99 about 9900 µs
	tests := []struct {
		expr  string
		held  bool
		value float64
	}{
		{"errors.EADDRNOTAVAIL>0", true, 5},
		{"errors.EADDRNOTAVAIL>5", false, 5},
		{"errors.EADDRNOTAVAIL>=5", true, 5},
		{"errors.ECONNRESET>0", false, 0}, // a class that never happened counts 0
		{"errors.ECONNRESET==0", true, 0},
		{"latency.total.p99_us>5000", true, float64(r.Latency.Total.P99US)},
		{"latency.total.p99_us<5000", false, float64(r.Latency.Total.P99US)},
		{"onset.EADDRNOTAVAIL.at_s<0.5", true, 0.1},
		{"onset.EADDRNOTAVAIL.connections_before!=995", false, 995},
		{"totals.requests_ok<=1000", true, 1000},
		{"elapsed_s>1", true, 2},
	}
	for _, tt := range tests {
		c, err := ParseCondition(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		held, v, err := c.Eval(r)
		if err != nil || held != tt.held || v != tt.value {
			t.Errorf("%s: got %v, %v, %v; want %v, %v", tt.expr, held, v, err, tt.held, tt.value)
		}
	}

	// The onset of a class that never happened has no value: the condition
	// does not hold, whatever the operator.
	for _, expr := range []string{"onset.ECONNREFUSED.at_s>=0", "onset.ECONNREFUSED.at_s!=0", "prediction.usable_ports<1"} {
		c, _ := ParseCondition(expr)
		held, v, err := c.Eval(r)
		if held || !math.IsNaN(v) || err != nil {
			t.Errorf("%s on a result without it: %v, %v, %v; want not held, NaN", expr, held, v, err)
		}
	}
}

func TestFailIf(t *testing.T) {
	var conds []Condition
	for _, e := range []string{"errors.EADDRNOTAVAIL>0", "latency.total.p99_us > 50000", "totals.requests_ok>=1000"} {
		c, err := ParseCondition(e)
		if err != nil {
			t.Fatal(err)
		}
		conds = append(conds, c)
	}
	clean := sampleResult(t)
	clean.Label = "pool"
	clean.Errors = map[string]int64{}
	clean.Totals.RequestsOK = 10
	unnamed := sampleResult(t)
	unnamed.Label = ""
	got := FailIf(conds, sampleResult(t), clean, unnamed)
	want := []string{
		`run "sample" failed: errors.EADDRNOTAVAIL>0 held (value 5)`,
		`run "sample" failed: totals.requests_ok>=1000 held (value 1000)`,
		`run #3 failed: errors.EADDRNOTAVAIL>0 held (value 5)`,
		`run #3 failed: totals.requests_ok>=1000 held (value 1000)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FailIf:\n got %q\nwant %q", got, want)
	}
	if got := FailIf(conds, clean); len(got) != 0 {
		t.Errorf("a passing run gave %q", got)
	}
	// A condition built by hand with an unknown path is reported, not
	// skipped.
	bad := Condition{Path: "nope", Op: ">", Limit: 1}
	if got := FailIf([]Condition{bad}, clean); len(got) != 1 || !strings.Contains(got[0], `run "pool": nope>1 could not be evaluated`) {
		t.Errorf("FailIf with a bad path: %q", got)
	}
}

func TestLookup(t *testing.T) {
	r := sampleResult(t)
	r.Sockets = &Sockets{TimeWaitClient: 1000}
	tests := []struct {
		path string
		v    float64
		ok   bool
	}{
		{"totals.connections_opened", 1000, true},
		{"errors.EADDRNOTAVAIL", 5, true},
		{"errors.EMFILE", 0, true},
		{"onset.EADDRNOTAVAIL.requests_ok_before", 990, true},
		{"onset.EMFILE.at_s", 0, false},
		{"sockets.time_wait_client", 1000, true},
		{"prediction.hold_s", 0, false},
	}
	for _, tt := range tests {
		v, ok, err := Lookup(r, tt.path)
		if err != nil || v != tt.v || ok != tt.ok {
			t.Errorf("Lookup(%s) = %v, %v, %v; want %v, %v", tt.path, v, ok, err, tt.v, tt.ok)
		}
	}
}

// TestFrontEndsShareGrammar: --fail-if's PATH OP VALUE and an expect
// entry's path and comparison go through one parser, so they accept the
// same comparisons and reject the same ones with the same words.
func TestFrontEndsShareGrammar(t *testing.T) {
	const path = "onset.EADDRNOTAVAIL.connections_before"
	valid := []struct {
		cmp   string
		op    string
		limit float64
		of    string
	}{
		{">0", ">", 0, ""},
		{">= 5", ">=", 5, ""},
		{"<1e3", "<", 1000, ""},
		{"<=0.5", "<=", 0.5, ""},
		{"==10", "==", 10, ""},
		{"!=-1", "!=", -1, ""},
		{"\t>5 ", ">", 5, ""},
		{"==2*3", "==", 6, ""},
		{"> 0.9 * prediction", ">", 0.9, "onset_after_connections"},
		{"<prediction.hold_s", "<", 1, "hold_s"},
		{">=1.1*prediction.onset_after_connections", ">=", 1.1, "onset_after_connections"},
	}
	for _, tt := range valid {
		f, ferr := ParseCondition(path + tt.cmp)
		e, eerr := NewCondition(path, tt.cmp, nil)
		if ferr != nil || eerr != nil {
			t.Errorf("%q: --fail-if %v, expect %v; want both accepted", tt.cmp, ferr, eerr)
			continue
		}
		for _, c := range []Condition{f, e} {
			if c.Path != path || c.Op != tt.op || c.Limit != tt.limit || c.LimitOf != tt.of {
				t.Errorf("%q = %+v, want %s %g of %q", tt.cmp, c, tt.op, tt.limit, tt.of)
			}
		}
	}

	malformed := []struct{ cmp, want string }{
		{"=0", `unknown operator "=": want one of >= <= == != > <`},
		{"=>0", `unknown operator "=>"`},
		{"!0", `unknown operator "!"`},
		{"<<5", `"<5" is not a number or prediction`},
		{">many", `"many" is not a number or prediction`},
		{">", `"" is not a number or prediction`},
		{">NaN", `"NaN" is not a number`},
		{">-Inf", `"-Inf" is not a number`},
		{">x*prediction", `"x" is not a number`},
		{">NaN*prediction", `"NaN" is not a number`},
		{">prediction.nonsense", "prediction.nonsense is not a predicted figure"},
		{">prediction.client_time_wait", "prediction.client_time_wait is not a predicted figure"},
		{">1..2", `"1..2" is not a number or prediction`},
	}
	for _, tt := range malformed {
		_, ferr := ParseCondition(path + tt.cmp)
		_, eerr := NewCondition(path, tt.cmp, nil)
		if ferr == nil || eerr == nil {
			t.Errorf("%q: --fail-if %v, expect %v; want both rejected", tt.cmp, ferr, eerr)
			continue
		}
		if !strings.Contains(eerr.Error(), tt.want) || ferr.Error() != fmt.Sprintf("%q: %v", path+tt.cmp, eerr) {
			t.Errorf("%q: --fail-if %q, expect %q; want both to say %q", tt.cmp, ferr, eerr, tt.want)
		}
	}
	// A bare prediction needs a path it pairs with, in both.
	if _, err := ParseCondition("errors.EADDRNOTAVAIL>prediction"); err == nil || !strings.Contains(err.Error(), "no prediction pairs with errors.EADDRNOTAVAIL") {
		t.Errorf("--fail-if with an unpaired prediction: %v", err)
	}
	if _, err := NewCondition("errors.EADDRNOTAVAIL", ">prediction", nil); err == nil || !strings.Contains(err.Error(), "no prediction pairs with errors.EADDRNOTAVAIL") {
		t.Errorf("expect with an unpaired prediction: %v", err)
	}
}

func TestNewCondition(t *testing.T) {
	c, err := NewCondition("onset.EADDRNOTAVAIL.connections_before", "0.9*prediction .. 1100", nil)
	if err != nil || c.Op != ".." || c.Limit != 0.9 || c.LimitOf != "onset_after_connections" || c.Upper != 1100 || c.UpperOf != "" {
		t.Errorf("range: %+v, %v", c, err)
	}
	invalid := []struct{ path, cmp, want string }{
		{"nowhere.x", ">0", `unknown result path: a result has no "nowhere"`},
		{"errors.EAGAIN", "maybe", `condition "maybe": want OP VALUE (OP one of > >= < <= == !=) or LO..HI`},
		{"errors.EAGAIN", "", `condition "": want OP VALUE`},
		{"errors.EAGAIN", "1..", `"" is not a number or prediction`},
		{"errors.EAGAIN", "NaN..1", `"NaN" is not a number`},
		{"totals.requests_ok", "0.9*prediction..1", "no prediction pairs with totals.requests_ok"},
	}
	for _, tt := range invalid {
		if _, err := NewCondition(tt.path, tt.cmp, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewCondition(%q, %q) = %v, want an error containing %q", tt.path, tt.cmp, err, tt.want)
		}
	}
}

func TestConditionCheck(t *testing.T) {
	r := sampleResult(t) // onset after 995 connections
	r.Prediction = &Prediction{OnsetAfterConnections: 1000, HoldS: 60}
	steady := map[string]Derived{
		"steady.rate": {Read: func(*Result) (float64, error) { return 16, nil }, Prediction: "hold_s"},
		"steady.none": {Read: func(*Result) (float64, error) { return 0, errors.New("too short") }},
	}
	tests := []struct {
		path, cmp string
		want      Expectation
	}{
		{"errors.EADDRNOTAVAIL", ">0", Expectation{Value: 5, Pass: true}},
		{"errors.ECONNRESET", "==0", Expectation{Value: 0, Pass: true}},
		{"onset.EADDRNOTAVAIL.connections_before", "0.9*prediction..1.1*prediction", Expectation{Value: 995, Pass: true}},
		{"onset.EADDRNOTAVAIL.connections_before", "0.999*prediction..1000", Expectation{Value: 995}},
		{"onset.EADDRNOTAVAIL.connections_before", ">=prediction", Expectation{Value: 995}},
		{"onset.ECONNRESET.at_s", ">0", Expectation{Why: "the run has no onset.ECONNRESET.at_s"}},
		{"steady.rate", "<0.5*prediction", Expectation{Value: 16, Pass: true}},
		{"steady.rate", ">20", Expectation{Value: 16}},
		{"steady.none", ">0", Expectation{Why: "too short"}},
	}
	for _, tt := range tests {
		c, err := NewCondition(tt.path, tt.cmp, steady)
		if err != nil {
			t.Errorf("NewCondition(%q, %q): %v", tt.path, tt.cmp, err)
			continue
		}
		tt.want.Path, tt.want.Want = tt.path, tt.cmp
		if got := c.Check(r, steady); got != tt.want {
			t.Errorf("%s %s = %+v, want %+v", tt.path, tt.cmp, got, tt.want)
		}
	}
	// Without a prediction, a bound on it cannot be checked: the value is
	// read, the reason given.
	r.Prediction = nil
	c, _ := NewCondition("onset.EADDRNOTAVAIL.connections_before", ">prediction", nil)
	want := Expectation{Path: c.Path, Want: ">prediction", Value: 995, Why: "the run has no prediction.onset_after_connections"}
	if got := c.Check(r, nil); got != want {
		t.Errorf("without a prediction: %+v, want %+v", got, want)
	}
}

// TestFailIfPrediction: --fail-if takes the bounds expect entries take.
func TestFailIfPrediction(t *testing.T) {
	c, err := ParseCondition("onset.EADDRNOTAVAIL.connections_before < 0.999*prediction")
	if err != nil {
		t.Fatal(err)
	}
	r := sampleResult(t) // onset after 995 connections
	r.Prediction = &Prediction{OnsetAfterConnections: 1000}
	bare := sampleResult(t)
	bare.Label = "host"
	got := FailIf([]Condition{c}, r, bare)
	want := []string{
		`run "sample" failed: onset.EADDRNOTAVAIL.connections_before<0.999*prediction held (value 995)`,
		`run "host": onset.EADDRNOTAVAIL.connections_before<0.999*prediction could not be evaluated: the run has no prediction.onset_after_connections`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FailIf:\n got %q\nwant %q", got, want)
	}
	r.Prediction.OnsetAfterConnections = 990
	if got := FailIf([]Condition{c}, r); len(got) != 0 {
		t.Errorf("onset above 0.999 of the prediction gave %q", got)
	}
}

// TestConditionKeys: a key into a map of known keys (error classes, HTTP
// status codes, TCP states) must be one of them, in --fail-if and expect
// alike, or a typo would read 0 for ever and the gate never fire.
func TestConditionKeys(t *testing.T) {
	classes := strings.Join(ErrorClasses(), ", ")
	tests := []struct {
		path string
		want string // "" for accepted
	}{
		{"errors.EADDRNOTAVAIL", ""},
		{"errors.http_5xx", ""},
		{"errors.other", ""},
		{"onset.EAGAIN.connections_before", ""},
		{"onset.http_4xx.at_s", ""},
		{"status.200", ""},
		{"status.501", ""},
		{"status.599", ""},
		{"sockets.states.TIME_WAIT", ""},
		{"totals.requests_incomplete", ""},
		{"totals.requests_unsent", ""},
		{"wind_down_s", ""},
		{"errors.EADRNOTAVAIL", `errors.EADRNOTAVAIL: "EADRNOTAVAIL" is not an error class, did you mean EADDRNOTAVAIL? (the classes are ` + classes + ")"},
		{"errors.eaddrnotavail", `"eaddrnotavail" is not an error class, did you mean EADDRNOTAVAIL? (`},
		{"errors.EPIPE", `errors.EPIPE: "EPIPE" is not an error class (the classes are ` + classes + ")"},
		{"errors.http_500", `"http_500" is not an error class, did you mean http_5xx? (`},
		{"onset.EADRNOTAVAIL.at_s", `onset.EADRNOTAVAIL: "EADRNOTAVAIL" is not an error class, did you mean EADDRNOTAVAIL? (the classes are ` + classes + ")"},
		{"onset.timeouts.connections_before", `"timeouts" is not an error class, did you mean timeout? (`},
		{"status.5xx", `status.5xx: "5xx" is not an HTTP status code (want three digits, as in status.503)`},
		{"status.2000", `"2000" is not an HTTP status code`},
		{"status.099", `"099" is not an HTTP status code`},
		{"sockets.states.TIMEWAIT", `sockets.states.TIMEWAIT: "TIMEWAIT" is not a TCP state, did you mean TIME_WAIT? (the states are ESTABLISHED, SYN_SENT,`},
		{"totals.requests_lost", `totals has no "requests_lost" (it has requests_started, requests_ok, requests_failed, requests_incomplete, requests_scheduled, requests_unsent,`},
	}
	for _, tt := range tests {
		_, ferr := ParseCondition(tt.path + ">0")
		_, eerr := NewCondition(tt.path, ">0", nil)
		if tt.want == "" {
			if ferr != nil || eerr != nil {
				t.Errorf("%s: --fail-if %v, expect %v; want both accepted", tt.path, ferr, eerr)
			}
			continue
		}
		if ferr == nil || !strings.Contains(ferr.Error(), tt.want) || eerr == nil || !strings.Contains(eerr.Error(), tt.want) {
			t.Errorf("%s: --fail-if %v, expect %v; want both to say %q", tt.path, ferr, eerr, tt.want)
		}
	}
	// A derived figure is the caller's to name; it passes as given.
	d := map[string]Derived{"steady.connections_per_s": {Read: func(*Result) (float64, error) { return 1, nil }}}
	if _, err := NewCondition("steady.connections_per_s", ">0", d); err != nil {
		t.Errorf("a derived path: %v", err)
	}
	// A result from elsewhere may still hold a class this portlab does not
	// know: reading it is not refused.
	r := sampleResult(t)
	r.Errors["EPIPE"] = 2
	if v, ok, err := Lookup(r, "errors.EPIPE"); v != 2 || !ok || err != nil {
		t.Errorf("Lookup of an unlisted class: %v, %v, %v; want 2", v, ok, err)
	}
}
