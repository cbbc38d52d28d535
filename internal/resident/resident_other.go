//go:build !linux

package resident

import "errors"

// Trim does nothing here: the page-table semantics it relies on are
// Linux's.
func Trim() (Trimmed, error) { return Trimmed{}, nil }

// Current is not measured here: /proc/self/status is Linux's.
func Current() (Set, error) { return Set{}, errors.ErrUnsupported }
