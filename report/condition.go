package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Condition is a failure condition on a result, such as
// "errors.EADDRNOTAVAIL>0" or "latency.total.p99_us>5000": when it holds,
// the run is said to violate it (portlab's --fail-if).
type Condition struct {
	// Path names a number in the result, as Lookup reads it.
	Path string
	// Op is one of > >= < <= == !=.
	Op string
	// Limit is the number the value is compared with.
	Limit float64

	limit string // Limit as written
}

// operators lists the comparison operators, two-character ones first so
// that ">=" is not read as ">" followed by "=5".
var operators = []string{">=", "<=", "==", "!=", ">", "<"}

// ParseCondition parses PATH OP NUMBER, e.g. "latency.total.p99_us>5000".
// The path must name a number in the result (see Lookup); spaces around the
// operator are allowed.
func ParseCondition(expr string) (Condition, error) {
	i := strings.IndexAny(expr, "<>=!")
	if strings.TrimSpace(expr) == "" {
		return Condition{}, fmt.Errorf("empty condition: want PATH OP NUMBER, e.g. errors.EADDRNOTAVAIL>0")
	}
	if i < 0 {
		return Condition{}, fmt.Errorf("%q has no comparison operator: want PATH OP NUMBER with OP one of %s", expr, strings.Join(operators, " "))
	}
	c := Condition{Path: strings.TrimSpace(expr[:i])}
	rest := expr[i:]
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			c.Op = op
			break
		}
	}
	if c.Op == "" {
		end := strings.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune("<>=!", r) })
		if end < 0 {
			end = len(rest)
		}
		return Condition{}, fmt.Errorf("%q: unknown operator %q: want one of %s", expr, rest[:end], strings.Join(operators, " "))
	}
	if c.Path == "" {
		return Condition{}, fmt.Errorf("%q has no path before %s: want PATH OP NUMBER, e.g. errors.EADDRNOTAVAIL>0", expr, c.Op)
	}
	c.limit = strings.TrimSpace(rest[len(c.Op):])
	limit, err := strconv.ParseFloat(c.limit, 64)
	if err != nil || math.IsInf(limit, 0) || math.IsNaN(limit) {
		return Condition{}, fmt.Errorf("%q: %q is not a number", expr, c.limit)
	}
	c.Limit = limit
	if _, _, err := Lookup(&Result{}, c.Path); err != nil {
		return Condition{}, fmt.Errorf("%q: %v", expr, err)
	}
	return c, nil
}

// String returns the condition as PATH OP NUMBER, without spaces.
func (c Condition) String() string {
	limit := c.limit
	if limit == "" {
		limit = formatNumber(c.Limit)
	}
	return c.Path + c.Op + limit
}

// Eval reports whether r violates c, with the value it read. A path with no
// value in r (the onset of an error class that never happened) violates
// nothing; its value is NaN.
func (c Condition) Eval(r *Result) (violated bool, value float64, err error) {
	v, ok, err := Lookup(r, c.Path)
	if err != nil {
		return false, 0, err
	}
	if !ok {
		return false, math.NaN(), nil
	}
	switch c.Op {
	case ">":
		violated = v > c.Limit
	case ">=":
		violated = v >= c.Limit
	case "<":
		violated = v < c.Limit
	case "<=":
		violated = v <= c.Limit
	case "==":
		violated = v == c.Limit
	case "!=":
		violated = v != c.Limit
	default:
		return false, v, fmt.Errorf("%s: unknown operator %q", c, c.Op)
	}
	return violated, v, nil
}

// FailIf checks every condition against every result and returns one
// message per violation, such as
// `run "new-conn": errors.EADDRNOTAVAIL>0 violated (value 4877)`, or per
// condition that could not be evaluated. None means every run passed.
func FailIf(conds []Condition, rs ...*Result) []string {
	var msgs []string
	for i, r := range rs {
		name := fmt.Sprintf("#%d", i+1)
		if r.Label != "" {
			name = strconv.Quote(r.Label)
		}
		for _, c := range conds {
			violated, v, err := c.Eval(r)
			switch {
			case err != nil:
				msgs = append(msgs, fmt.Sprintf("run %s: %s could not be evaluated: %v", name, c, err))
			case violated:
				msgs = append(msgs, fmt.Sprintf("run %s: %s violated (value %s)", name, c, formatNumber(v)))
			}
		}
	}
	return msgs
}

// formatNumber writes v as briefly as it reads exactly: 4877, 0.0656.
func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
