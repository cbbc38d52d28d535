package report

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Condition is a test on one number of a result. portlab's --fail-if
// writes it as PATH OP VALUE ("errors.EADDRNOTAVAIL>0",
// "latency.total.p99_us>5000": when it holds, the run fails); a
// scenario's expect entry writes the path as the key and the comparison as
// the value (errors.EADDRNOTAVAIL: ">0", onset.EADDRNOTAVAIL.connections_before:
// "0.9*prediction..1.1*prediction": the run passes when it holds). Both
// front ends share one grammar for the comparison:
//
//	OP VALUE     OP one of > >= < <= == !=
//	VALUE..VALUE an inclusive range
//	VALUE        NUMBER, FACTOR*NUMBER, [FACTOR*]prediction[.FIELD]
//
// Spaces in the comparison are ignored. prediction.FIELD is a figure of the
// result's own prediction; a bare prediction is the one that pairs with the
// path (onset_after_connections beside an onset's connections_before).
type Condition struct {
	// Path names a number in the result, as Lookup reads it, or a derived
	// figure (see Derived).
	Path string
	// Op is one of > >= < <= == !=, or .. for the range Limit..Upper.
	Op string
	// Limit is the number the value is compared with, or a range's lower
	// end; Upper is a range's upper end.
	Limit, Upper float64
	// LimitOf and UpperOf, when set, name predicted figures (fields of the
	// result's prediction) that Limit and Upper multiply: "0.9*prediction"
	// beside an onset is Limit 0.9 of onset_after_connections.
	LimitOf, UpperOf string

	text string // the comparison as written
}

// operators lists the comparison operators, two-character ones first so
// that ">=" is not read as ">" followed by "=5".
var operators = []string{">=", "<=", "==", "!=", ">", "<"}

// ParseCondition parses PATH OP VALUE, e.g. "latency.total.p99_us>5000".
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
	path := strings.TrimSpace(expr[:i])
	c, err := parseComparison(path, expr[i:], nil)
	if path == "" && c.Op != "" {
		return Condition{}, fmt.Errorf("%q has no path before %s: want PATH OP NUMBER, e.g. errors.EADDRNOTAVAIL>0", expr, c.Op)
	}
	if err != nil {
		return Condition{}, fmt.Errorf("%q: %v", expr, err)
	}
	if err := knownPath(path, nil); err != nil {
		return Condition{}, fmt.Errorf("%q: %v", expr, err)
	}
	return c, nil
}

// NewCondition parses the comparison of an expect entry, such as ">0" or
// "0.9*prediction..1.1*prediction", for the number at path. derived lists
// the figures a caller adds to the result's own paths; nil for none.
func NewCondition(path, comparison string, derived map[string]Derived) (Condition, error) {
	if err := knownPath(path, derived); err != nil {
		return Condition{}, fmt.Errorf("unknown result path: %v", err)
	}
	c, err := parseComparison(path, comparison, derived)
	if err != nil {
		return Condition{}, err
	}
	return c, nil
}

// parseComparison parses OP VALUE or VALUE..VALUE for the number at path.
func parseComparison(path, s string, derived map[string]Derived) (Condition, error) {
	c := Condition{Path: path, text: s}
	s = strings.Join(strings.Fields(s), "")
	var err error
	switch {
	case strings.IndexAny(s, "<>=!") == 0:
		for _, op := range operators {
			if rest, ok := strings.CutPrefix(s, op); ok {
				c.Op = op
				c.Limit, c.LimitOf, err = parseValue(path, rest, derived)
				return c, err
			}
		}
		end := strings.IndexFunc(s, func(r rune) bool { return !strings.ContainsRune("<>=!", r) })
		if end < 0 {
			end = len(s)
		}
		return c, fmt.Errorf("unknown operator %q: want one of %s", s[:end], strings.Join(operators, " "))
	case strings.Contains(s, ".."):
		lo, hi, _ := strings.Cut(s, "..")
		c.Op = ".."
		if c.Limit, c.LimitOf, err = parseValue(path, lo, derived); err != nil {
			return c, err
		}
		c.Upper, c.UpperOf, err = parseValue(path, hi, derived)
		return c, err
	}
	return c, fmt.Errorf("condition %q: want OP VALUE (OP one of > >= < <= == !=) or LO..HI", c.text)
}

// parseValue parses NUMBER, FACTOR*NUMBER or [FACTOR*]prediction[.FIELD]:
// a number, or a factor of the predicted figure it names.
func parseValue(path, s string, derived map[string]Derived) (v float64, of string, err error) {
	factor := 1.0
	if f, rest, ok := strings.Cut(s, "*"); ok {
		if factor, err = parseNumber(f); err != nil {
			return 0, "", fmt.Errorf("%q is not a number", f)
		}
		s = rest
	}
	if s == "prediction" || strings.HasPrefix(s, "prediction.") {
		field := strings.TrimPrefix(strings.TrimPrefix(s, "prediction"), ".")
		if field == "" {
			if field = pairedPrediction(path, derived); field == "" {
				return 0, "", fmt.Errorf("no prediction pairs with %s: name one (prediction.FIELD)", path)
			}
		}
		if !isPredictedFigure(field) {
			return 0, "", fmt.Errorf("prediction.%s is not a predicted figure", field)
		}
		return factor, field, nil
	}
	n, err := parseNumber(s)
	if err != nil {
		return 0, "", fmt.Errorf("%q is not a number or prediction", s)
	}
	return factor * n, "", nil
}

// parseNumber reads a finite number: NaN or an infinite bound would make a
// condition that never or always holds.
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsInf(v, 0) || math.IsNaN(v)) {
		err = errors.New("not finite")
	}
	return v, err
}

// String returns the condition as PATH OP VALUE without spaces, or PATH
// LO..HI for a range.
func (c Condition) String() string {
	cmp := strings.Join(strings.Fields(c.text), "")
	if cmp == "" {
		cmp = c.Op + formatBound(c.Limit, c.LimitOf)
		if c.Op == ".." {
			cmp = formatBound(c.Limit, c.LimitOf) + ".." + formatBound(c.Upper, c.UpperOf)
		}
	}
	if c.Op == ".." {
		return c.Path + " " + cmp
	}
	return c.Path + cmp
}

func formatBound(v float64, of string) string {
	if of == "" {
		return formatNumber(v)
	}
	return formatNumber(v) + "*prediction." + of
}

// Eval reports whether c holds for r (for --fail-if: whether r fails), with
// the value it read. A path with no value in r (the onset of an error class
// that never happened) holds nothing; its value is NaN.
func (c Condition) Eval(r *Result) (held bool, value float64, err error) {
	v, err := read(r, c.Path, nil)
	var none noValue
	switch {
	case errors.As(err, &none):
		return false, math.NaN(), nil
	case err != nil:
		return false, 0, err
	}
	held, err = c.holds(r, v)
	return held, v, err
}

// Check checks c against r as a scenario's expectation: it passes when c
// holds. A value r does not have fails, with the reason.
func (c Condition) Check(r *Result, derived map[string]Derived) Expectation {
	out := Expectation{Path: c.Path, Want: c.text}
	v, err := read(r, c.Path, derived)
	if err != nil {
		out.Why = err.Error()
		return out
	}
	out.Value = v
	if out.Pass, err = c.holds(r, v); err != nil {
		out.Why = err.Error()
	}
	return out
}

// holds compares v with c's bounds, reading predicted figures from r.
func (c Condition) holds(r *Result, v float64) (bool, error) {
	lo, err := bound(r, c.Limit, c.LimitOf)
	if err != nil {
		return false, err
	}
	switch c.Op {
	case ">":
		return v > lo, nil
	case ">=":
		return v >= lo, nil
	case "<":
		return v < lo, nil
	case "<=":
		return v <= lo, nil
	case "==":
		return v == lo, nil
	case "!=":
		return v != lo, nil
	case "..":
		hi, err := bound(r, c.Upper, c.UpperOf)
		return v >= lo && v <= hi, err
	}
	return false, fmt.Errorf("%s: unknown operator %q", c, c.Op)
}

// bound is v, or v times the predicted figure of names.
func bound(r *Result, v float64, of string) (float64, error) {
	if of == "" {
		return v, nil
	}
	p, err := read(r, "prediction."+of, nil)
	return v * p, err
}

// FailIf checks every condition against every result and returns one
// message per condition that held, such as
// `run "new-conn" failed: errors.EADDRNOTAVAIL>0 held (value 4877)`, or per
// condition that could not be evaluated. None means every run passed.
func FailIf(conds []Condition, rs ...*Result) []string {
	var msgs []string
	for i, r := range rs {
		name := fmt.Sprintf("#%d", i+1)
		if r.Label != "" {
			name = strconv.Quote(r.Label)
		}
		for _, c := range conds {
			held, v, err := c.Eval(r)
			switch {
			case err != nil:
				msgs = append(msgs, fmt.Sprintf("run %s: %s could not be evaluated: %v", name, c, err))
			case held:
				msgs = append(msgs, fmt.Sprintf("run %s failed: %s held (value %s)", name, c, formatNumber(v)))
			}
		}
	}
	return msgs
}

// formatNumber writes v as briefly as it reads exactly: 4877, 0.0656.
func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}
