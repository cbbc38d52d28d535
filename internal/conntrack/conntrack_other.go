//go:build !linux

package conntrack

import (
	"errors"
	"fmt"
)

// Take reads this namespace's conntrack table. It needs Linux.
func Take() (*Table, error) {
	return nil, fmt.Errorf("conntrack: connection tracking is Linux's: %w", errors.ErrUnsupported)
}
