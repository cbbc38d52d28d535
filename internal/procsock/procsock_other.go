//go:build !linux

package procsock

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// Scan names socket owners through /proc, which only Linux has; elsewhere
// the error wraps errors.ErrUnsupported.
func Scan() (*Result, error) {
	return nil, fmt.Errorf("procsock: naming socket owners reads /proc/PID/fd, which %s lacks: %w", runtime.GOOS, errors.ErrUnsupported)
}

// Inode returns the inode of c's socket; only Linux is supported.
func Inode(c syscall.Conn) (uint32, error) {
	return 0, fmt.Errorf("procsock: socket inodes are Linux's: %w", errors.ErrUnsupported)
}
