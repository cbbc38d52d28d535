//go:build !linux

package echo

import (
	"errors"
	"net"
	"runtime"
	"syscall"
)

func control(cfg Config) func(network, address string, c syscall.RawConn) error {
	if !cfg.ReusePort {
		return nil
	}
	return func(string, string, syscall.RawConn) error {
		return errors.New("reuse-port: not supported on " + runtime.GOOS)
	}
}

func setBacklog(*net.TCPListener, int) error {
	return errors.New("not supported on " + runtime.GOOS)
}
