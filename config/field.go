package config

import "fmt"

// FieldError is a knob whose value is wrong. Field is the knob's name as a
// scenario file spells it ("pool_size"); each front end shows it in its own
// vocabulary (the CLI as its flag, "pool-size"; a scenario file as its YAML
// path, "runs[0].load.pool_size") without parsing the message.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Flag() + ": " + e.Problem }

// Flag is Field as the command line spells it.
func (e *FieldError) Flag() string {
	b := []byte(e.Field)
	for i, c := range b {
		if c == '_' {
			b[i] = '-'
		}
	}
	return string(b)
}

// Errorf returns a *FieldError for field with a formatted problem.
func Errorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}
