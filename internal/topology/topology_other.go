//go:build !linux

package topology

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

var errUnsupported = fmt.Errorf("topology: the two-host and NAT topologies need Linux network namespaces: %w", errors.ErrUnsupported)

// ServerHost is a running server host; there is none without Linux.
type Peer struct{}

// StartServerHost starts the server host of a two-host topology. It needs
// Linux network namespaces.
func StartServerHost(ctx context.Context, spec Spec, args ...string) (*Peer, error) {
	return nil, errUnsupported
}

// Pid returns the server host's process ID.
func (s *Peer) Pid() int { return 0 }

// Stop asks the server host to report its sockets and exit.
func (s *Peer) Stop() (*Sockets, error) { return nil, errUnsupported }

// Close ends the server host.
func (s *Peer) Close() error { return errUnsupported }

// ServeHost runs the server host. It needs Linux network namespaces.
func ServeHost(ctx context.Context, start func() (stop func() error, err error)) error {
	return errUnsupported
}

// SetupServer prepares the server host's namespace. It needs Linux network
// namespaces.
func SetupServer(sysctls map[string]string) error { return errUnsupported }

// TakeSockets summarises this namespace's TCP sockets. It needs Linux.
func TakeSockets() (*Sockets, error) { return nil, errUnsupported }

// StartPeer starts a host joined to this one by veth. It needs Linux
// network namespaces.
func StartPeer(ctx context.Context, veth Veth, sysctls map[string]string, local func() error, args ...string) (*Peer, error) {
	return nil, errUnsupported
}

// Wait waits for the peer's report.
func (s *Peer) Wait(ctx context.Context) (*Sockets, json.RawMessage, error) {
	return nil, nil, errUnsupported
}

// Go tells a client host to start its run.
func (s *Peer) Go() error { return errUnsupported }

// ServeClient runs a client host. It needs Linux network namespaces.
func ServeClient(ctx context.Context, prepare func(ctx context.Context) (run func(ctx context.Context) (report any, err error), err error)) error {
	return errUnsupported
}

// SetupGateway makes this namespace a NAT gateway. It needs Linux.
func SetupGateway(g Gateway) error { return errUnsupported }

// NATTables lists this namespace's nftables tables. It needs Linux.
func NATTables() ([]string, error) { return nil, errUnsupported }
