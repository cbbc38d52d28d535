//go:build !linux

package topology

import (
	"context"
	"errors"
	"fmt"
)

var errUnsupported = fmt.Errorf("topology: the two-host topology needs Linux network namespaces: %w", errors.ErrUnsupported)

// ServerHost is a running server host; there is none without Linux.
type ServerHost struct{}

// StartServerHost starts the server host of a two-host topology. It needs
// Linux network namespaces.
func StartServerHost(ctx context.Context, spec Spec, args ...string) (*ServerHost, error) {
	return nil, errUnsupported
}

// Pid returns the server host's process ID.
func (s *ServerHost) Pid() int { return 0 }

// Stop asks the server host to report its sockets and exit.
func (s *ServerHost) Stop() (*Sockets, error) { return nil, errUnsupported }

// Close ends the server host.
func (s *ServerHost) Close() error { return errUnsupported }

// ServeHost runs the server host. It needs Linux network namespaces.
func ServeHost(ctx context.Context, start func() (stop func() error, err error)) error {
	return errUnsupported
}

// SetupServer prepares the server host's namespace. It needs Linux network
// namespaces.
func SetupServer(sysctls map[string]string) error { return errUnsupported }

// TakeSockets summarises this namespace's TCP sockets. It needs Linux.
func TakeSockets() (*Sockets, error) { return nil, errUnsupported }
