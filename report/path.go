package report

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/portlab/portlab/internal/suggest"
)

// Lookup reads one number from r by its path: the result's JSON keys joined
// by dots, as in "totals.requests_ok", "errors.EADDRNOTAVAIL",
// "onset.EADDRNOTAVAIL.at_s" or "latency.total.p99_us". true and false read
// as 1 and 0.
//
// An error class that did not occur counts 0, as a counter should. A path
// through a record the result does not hold (the onset of a class that never
// happened, a prediction a host run does not have) has no value: ok is
// false. An error means the path names no number in any result.
func Lookup(r *Result, path string) (v float64, ok bool, err error) {
	if path == "" {
		return 0, false, fmt.Errorf("empty path")
	}
	node := reflect.ValueOf(r)
	ok = true
	keys := strings.Split(path, ".")
	for i, key := range keys {
		at := strings.Join(keys[:i], ".")
		if key == "" {
			return 0, false, fmt.Errorf("%q: empty key", path)
		}
		node = deref(node, &ok)
		switch {
		case isOpaque(node.Type()):
			return 0, false, fmt.Errorf("%s is not an object with fields", at)
		case node.Kind() == reflect.Struct:
			f, found := jsonField(node.Type(), key)
			if !found {
				return 0, false, unknownField(node.Type(), at, key)
			}
			node = node.FieldByIndex(f.Index)
		case node.Kind() == reflect.Map && node.Type().Key().Kind() == reflect.String:
			entry := node.MapIndex(reflect.ValueOf(key).Convert(node.Type().Key()))
			if !entry.IsValid() {
				entry = reflect.Zero(node.Type().Elem())
				// A missing counter is 0; a missing record is absent.
				if !isNumber(entry.Kind()) {
					ok = false
				}
			}
			node = entry
		default:
			return 0, false, fmt.Errorf("%s is a %s, not an object with fields", at, describe(node.Type()))
		}
	}
	node = deref(node, &ok)
	switch {
	case isNumber(node.Kind()):
		return toFloat(node), ok, nil
	case node.Kind() == reflect.Bool:
		if node.Bool() {
			return 1, ok, nil
		}
		return 0, ok, nil
	case node.Kind() == reflect.Struct && !isOpaque(node.Type()):
		return 0, false, fmt.Errorf("%s is not a number: name one of its fields: %s", path, fieldList(node.Type()))
	case node.Kind() == reflect.Map:
		return 0, false, fmt.Errorf("%s is not a number: name one of its entries, as in %s.NAME", path, path)
	}
	return 0, false, fmt.Errorf("%s is a %s, not a number", path, describe(node.Type()))
}

// deref follows pointers; a nil one leads to its type's zero value and
// marks the path absent.
func deref(v reflect.Value, ok *bool) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			*ok = false
			v = reflect.Zero(v.Type().Elem())
			continue
		}
		v = v.Elem()
	}
	return v
}

// isOpaque reports types whose JSON form is not their fields: times,
// durations, and the untyped config.
func isOpaque(t reflect.Type) bool {
	return t.Kind() == reflect.Interface || t.Implements(reflect.TypeFor[json.Marshaler]())
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func toFloat(v reflect.Value) float64 {
	switch {
	case v.CanInt():
		return float64(v.Int())
	case v.CanUint():
		return float64(v.Uint())
	}
	return v.Float()
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.String:
		return "string"
	case reflect.Interface:
		return "free-form object"
	}
	if isOpaque(t) {
		return "string"
	}
	return t.Kind().String()
}

// jsonField finds the field of struct type t whose JSON key is name.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if key, ok := jsonKey(f); ok && key == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonKey(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch key {
	case "-":
		return "", false
	case "":
		return f.Name, true
	}
	return key, true
}

// fieldList names the fields of t a path can go on with: those that hold
// numbers, not strings or lists.
func fieldList(t reflect.Type) string {
	var keys []string
	for i := range t.NumField() {
		if key, ok := jsonKey(t.Field(i)); ok && readable(t.Field(i).Type) {
			keys = append(keys, key)
		}
	}
	return strings.Join(keys, ", ")
}

// readable reports whether a path can read a number in t.
func readable(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case isOpaque(t):
		return false
	case isNumber(t.Kind()), t.Kind() == reflect.Bool:
		return true
	case t.Kind() == reflect.Map:
		return t.Key().Kind() == reflect.String && readable(t.Elem())
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			if _, ok := jsonKey(t.Field(i)); ok && readable(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

func unknownField(t reflect.Type, at, key string) error {
	if at == "" {
		return fmt.Errorf("a result has no %q (it has %s)", key, fieldList(t))
	}
	return fmt.Errorf("%s has no %q (it has %s)", at, key, fieldList(t))
}

// Derived is a figure a result implies without holding it under a key of
// its own, such as a scenario's steady churn rate: a caller adds it, by
// path, to what a condition can read.
type Derived struct {
	// Read returns the figure, or an error saying why r shows none.
	Read func(r *Result) (float64, error)
	// Prediction is the predicted figure a bare "prediction" means beside
	// it; "" for none.
	Prediction string
}

// noValue is the error of a path that a result does not fill, though
// others may: the onset of a class that never happened.
type noValue struct{ error }

// read is the one path resolver of conditions: a derived figure, or the
// number Lookup reads.
func read(r *Result, path string, derived map[string]Derived) (float64, error) {
	if d, ok := derived[path]; ok {
		v, err := d.Read(r)
		if err != nil {
			return 0, noValue{err}
		}
		return v, nil
	}
	v, ok, err := Lookup(r, path)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, noValue{fmt.Errorf("the run has no %s", path)}
	}
	return v, nil
}

// knownPath says why path names no number in any result, if it does not.
func knownPath(path string, derived map[string]Derived) error {
	if _, ok := derived[path]; ok {
		return nil
	}
	// An empty result has every path a result can have, without values.
	if _, _, err := Lookup(&Result{}, path); err != nil {
		return err
	}
	return knownKeys(path)
}

// keyedMaps are the result's maps whose keys come from a known set. Lookup
// reads a key a map lacks as 0 (a class that never happened), so a
// misspelt key would read 0 for ever: a gate that can never fire.
var keyedMaps = map[string]func(at, key string) error{
	"errors":         knownClass,
	"onset":          knownClass,
	"status":         knownStatus,
	"sockets.states": knownState,
}

// knownKeys checks every key of path that indexes a keyed map.
func knownKeys(path string) error {
	keys := strings.Split(path, ".")
	for i := 1; i < len(keys); i++ {
		at := strings.Join(keys[:i], ".")
		if check, ok := keyedMaps[at]; ok {
			if err := check(at, keys[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func knownClass(at, key string) error {
	if slices.Contains(ErrorClasses(), key) {
		return nil
	}
	return fmt.Errorf("%s.%s: %q is not an error class%s (the classes are %s)",
		at, key, key, didYouMean(key, ErrorClasses()), strings.Join(ErrorClasses(), ", "))
}

// didYouMean names the one of names that key most likely misspells, as
// ", did you mean X?"; "" for none.
func didYouMean(key string, names []string) string {
	if best := suggest.Closest(key, names); best != "" {
		return ", did you mean " + best + "?"
	}
	return ""
}

// knownStatus accepts any three-digit code: servers answer codes no list
// holds (299, 599), and a test for one must still read its count.
func knownStatus(at, key string) error {
	if len(key) == 3 && strings.Trim(key, "0123456789") == "" && key[0] != '0' {
		return nil
	}
	return fmt.Errorf("%s.%s: %q is not an HTTP status code (want three digits, as in %s.503)", at, key, key, at)
}

// tcpStates are the keys of Sockets.States: the kernel's names for the TCP
// states a socket table shows.
func tcpStates() []string {
	return []string{"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
		"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE"}
}

func knownState(at, key string) error {
	if slices.Contains(tcpStates(), key) {
		return nil
	}
	return fmt.Errorf("%s.%s: %q is not a TCP state%s (the states are %s)",
		at, key, key, didYouMean(key, tcpStates()), strings.Join(tcpStates(), ", "))
}

// predictionFor pairs a measured path with the predicted figure that a bare
// "prediction" means beside it.
var predictionFor = map[string]string{
	"onset.EADDRNOTAVAIL.connections_before": "onset_after_connections",
	"onset.EADDRNOTAVAIL.requests_ok_before": "onset_after_connections",
	"onset.EADDRINUSE.connections_before":    "onset_after_connections",
	"onset.EAGAIN.connections_before":        "onset_after_connections",
	"throughput.connections_per_s":           "sustainable_connections_per_s",
}

func pairedPrediction(path string, derived map[string]Derived) string {
	if d, ok := derived[path]; ok {
		return d.Prediction
	}
	return predictionFor[path]
}

// isPredictedFigure reports whether field is a number of the prediction
// (not a flag such as client_time_wait, nor a text).
func isPredictedFigure(field string) bool {
	f, ok := jsonField(reflect.TypeFor[Prediction](), field)
	return ok && isNumber(f.Type.Kind())
}
