package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/portlab/portlab/report"
)

// Expectation is one `expect` entry of a run: a path into the result and a
// condition its value must meet, e.g. errors.EADDRNOTAVAIL: ">0" or
// steady.connections_per_s: ">=0.85*prediction".
type Expectation struct {
	Path string
	Want string // the condition as written
	op   string // > >= < <= == != or .. (inclusive range)
	lo   operand
	hi   operand // for ..
}

// operand is a number, or a factor times a predicted figure.
type operand struct {
	value      float64
	prediction string // predicted field; "" for a plain number
}

// predictionFor pairs a measured path with the predicted figure that
// "prediction" means beside it.
var predictionFor = map[string]string{
	"onset.EADDRNOTAVAIL.connections_before": "onset_after_connections",
	"onset.EADDRNOTAVAIL.requests_ok_before": "onset_after_connections",
	"onset.EADDRINUSE.connections_before":    "onset_after_connections",
	"onset.EAGAIN.connections_before":        "onset_after_connections",
	"steady.connections_per_s":               "sustainable_connections_per_s",
	"throughput.connections_per_s":           "sustainable_connections_per_s",
}

var predictionFields = map[string]bool{
	"usable_ports": true, "port_spaces": true, "hold_s": true,
	"onset_after_connections": true, "sustainable_connections_per_s": true,
}

// ParseExpectation parses one expect entry.
func ParseExpectation(path, cond string) (Expectation, error) {
	e := Expectation{Path: path, Want: cond}
	if path != "steady.connections_per_s" {
		// An empty result has every path a result can have, without values.
		if _, _, err := report.Lookup(&report.Result{}, path); err != nil {
			return e, fmt.Errorf("unknown result path: %v", err)
		}
	}
	c := strings.ReplaceAll(cond, " ", "")
	if a, b, ok := strings.Cut(c, ".."); ok {
		var err error
		if e.lo, err = parseOperand(path, a); err != nil {
			return e, err
		}
		if e.hi, err = parseOperand(path, b); err != nil {
			return e, err
		}
		e.op = ".."
		return e, nil
	}
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if rest, ok := strings.CutPrefix(c, op); ok {
			e.op = op
			var err error
			e.lo, err = parseOperand(path, rest)
			return e, err
		}
	}
	return e, fmt.Errorf("condition %q: want OP VALUE (OP one of > >= < <= == !=) or LO..HI", cond)
}

func parseOperand(path, s string) (operand, error) {
	factor := 1.0
	if f, rest, ok := strings.Cut(s, "*"); ok {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return operand{}, fmt.Errorf("%q is not a number", f)
		}
		factor, s = v, rest
	}
	if s == "prediction" || strings.HasPrefix(s, "prediction.") {
		field := strings.TrimPrefix(strings.TrimPrefix(s, "prediction"), ".")
		if field == "" {
			field = predictionFor[path]
			if field == "" {
				return operand{}, fmt.Errorf("no prediction pairs with %s: name one (prediction.FIELD)", path)
			}
		}
		if !predictionFields[field] {
			return operand{}, fmt.Errorf("prediction.%s is not a predicted figure", field)
		}
		return operand{value: factor, prediction: field}, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return operand{}, fmt.Errorf("%q is not a number or prediction", s)
	}
	return operand{value: factor * v}, nil
}

// Outcome is an expectation checked against a result.
type Outcome = report.Expectation

// Evaluate checks e against res.
func (e Expectation) Evaluate(res *report.Result) Outcome {
	out := Outcome{Path: e.Path, Want: e.Want}
	v, err := lookup(res, e.Path)
	if err != nil {
		out.Why = err.Error()
		return out
	}
	out.Value = v
	lo, err := e.lo.resolve(res)
	if err != nil {
		out.Why = err.Error()
		return out
	}
	switch e.op {
	case ">":
		out.Pass = v > lo
	case ">=":
		out.Pass = v >= lo
	case "<":
		out.Pass = v < lo
	case "<=":
		out.Pass = v <= lo
	case "==":
		out.Pass = v == lo
	case "!=":
		out.Pass = v != lo
	case "..":
		hi, err := e.hi.resolve(res)
		if err != nil {
			out.Why = err.Error()
			return out
		}
		out.Pass = v >= lo && v <= hi
	}
	return out
}

func (o operand) resolve(res *report.Result) (float64, error) {
	if o.prediction == "" {
		return o.value, nil
	}
	v, err := lookup(res, "prediction."+o.prediction)
	if err != nil {
		return 0, err
	}
	return o.value * v, nil
}

// lookup reads a number from the result by its JSON path (report.Lookup),
// plus the derived steady.connections_per_s.
func lookup(res *report.Result, path string) (float64, error) {
	if path == "steady.connections_per_s" {
		v, ok := SteadyConnectionsPerS(res)
		if !ok {
			return 0, fmt.Errorf("no steady churn: no onset, or the run was shorter than one hold time after it")
		}
		return v, nil
	}
	v, ok, err := report.Lookup(res, path)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("the run has no %s", path)
	}
	return v, nil
}
