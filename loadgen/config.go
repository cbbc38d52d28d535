package loadgen

import "github.com/portlab/portlab/config"

// Config is a load run's configuration; it is defined in package config so
// that scenario files, the CLI and results share one definition.
type Config = config.Load

// DefaultConfig returns the defaults every run starts from.
func DefaultConfig() Config { return config.DefaultLoad() }

// Mode and Protocol are config's.
type (
	Mode     = config.Mode
	Protocol = config.Protocol
)

// The connection strategies and protocols, as config defines them.
const (
	ModeNew       = config.ModeNew
	ModePool      = config.ModePool
	ModeKeepAlive = config.ModeKeepAlive
	ProtocolTCP   = config.ProtocolTCP
	ProtocolHTTP  = config.ProtocolHTTP
	ProtocolUDP   = config.ProtocolUDP
)

// MaxDuration bounds every run.
const MaxDuration = config.MaxDuration
