package predict

import (
	"errors"

	"github.com/portlab/portlab/report"
)

// Expectation is one `expect` entry of a run: a path into the result and a
// condition its value must meet, e.g. errors.EADDRNOTAVAIL: ">0" or
// steady.connections_per_s: ">=0.85*prediction". The grammar is
// report.Condition's, the one --fail-if uses; scenarios add the derived
// figures below.
type Expectation struct {
	Path string
	Want string // the condition as written
	cond report.Condition
}

// derived are the figures an expectation can read beyond the result's own
// paths.
var derived = map[string]report.Derived{
	"steady.connections_per_s": {Read: steadyConnectionsPerS, Prediction: "sustainable_connections_per_s"},
}

// ParseExpectation parses one expect entry.
func ParseExpectation(path, cond string) (Expectation, error) {
	c, err := report.NewCondition(path, cond, derived)
	return Expectation{Path: path, Want: cond, cond: c}, err
}

// Outcome is an expectation checked against a result.
type Outcome = report.Expectation

// Evaluate checks e against res.
func (e Expectation) Evaluate(res *report.Result) Outcome {
	return e.cond.Check(res, derived)
}

func steadyConnectionsPerS(res *report.Result) (float64, error) {
	v, ok := SteadyConnectionsPerS(res)
	if !ok {
		return 0, errors.New("no steady churn: no onset, or the run was shorter than one hold time after it")
	}
	return v, nil
}
