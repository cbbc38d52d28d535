package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// stringFlag binds a flag straight to a field of a string type (a mode, a
// protocol, a close policy): the config's Validate judges the value, in
// the same words for a flag and a scenario key.
type stringFlag[T ~string] struct{ p *T }

func (f stringFlag[T]) String() string {
	if f.p == nil {
		return ""
	}
	return string(*f.p)
}

func (f stringFlag[T]) Set(s string) error { *f.p = T(s); return nil }
func (f stringFlag[T]) Type() string       { return "string" }

func stringVar[T ~string](fs *pflag.FlagSet, p *T, name, usage string) {
	fs.Var(stringFlag[T]{p}, name, usage)
}

// invertedBool is a boolean flag that sets the opposite of its value: an
// older flag name kept working for a knob now named the other way round.
type invertedBool struct{ p *bool }

func (f invertedBool) String() string {
	if f.p == nil {
		return "true"
	}
	return strconv.FormatBool(!*f.p)
}

func (f invertedBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*f.p = !v
	return nil
}

func (f invertedBool) Type() string { return "bool" }

// deprecatedInverse registers old as a hidden, deprecated flag that sets
// *p to the opposite of its value.
func deprecatedInverse(fs *pflag.FlagSet, p *bool, old, use string) {
	fs.Var(invertedBool{p}, old, "")
	fs.Lookup(old).NoOptDefVal = "true"
	_ = fs.MarkDeprecated(old, use) // old was just registered: cannot fail
}

// timeFlag binds a flag to a time.Time given in RFC 3339
// (2006-01-02T15:04:05Z, fractions of a second and offsets allowed).
type timeFlag struct{ p *time.Time }

func (f timeFlag) String() string {
	if f.p == nil || f.p.IsZero() {
		return ""
	}
	return f.p.Format(time.RFC3339Nano)
}

func (f timeFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("not an RFC 3339 instant such as 2006-01-02T15:04:05Z")
	}
	*f.p = t
	return nil
}

func (f timeFlag) Type() string { return "time" }
