package report

import (
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
		{"erors.EADDRNOTAVAIL>0", `a result has no "erors" (it has schema_version, elapsed_s, interrupted, environment, totals, errors, onset, throughput, latency`},
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
		expr     string
		violated bool
		value    float64
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
		violated, v, err := c.Eval(r)
		if err != nil || violated != tt.violated || v != tt.value {
			t.Errorf("%s: got %v, %v, %v; want %v, %v", tt.expr, violated, v, err, tt.violated, tt.value)
		}
	}

	// The onset of a class that never happened has no value: no violation,
	// whatever the operator.
	for _, expr := range []string{"onset.ECONNREFUSED.at_s>=0", "onset.ECONNREFUSED.at_s!=0", "prediction.usable_ports<1"} {
		c, _ := ParseCondition(expr)
		violated, v, err := c.Eval(r)
		if violated || !math.IsNaN(v) || err != nil {
			t.Errorf("%s on a result without it: %v, %v, %v; want not violated, NaN", expr, violated, v, err)
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
		`run "sample": errors.EADDRNOTAVAIL>0 violated (value 5)`,
		`run "sample": totals.requests_ok>=1000 violated (value 1000)`,
		`run #3: errors.EADDRNOTAVAIL>0 violated (value 5)`,
		`run #3: totals.requests_ok>=1000 violated (value 1000)`,
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
