package config

import "fmt"

// MaxDatagram is the largest UDP payload (65,535 minus the IPv4 and UDP
// headers).
const MaxDatagram = 65507

func (c *Load) validateUDP() error {
	notUDP := func(flag, why string) error {
		return fmt.Errorf("%s: does not apply to --protocol udp (%s)", flag, why)
	}
	switch {
	case c.Hold && c.Mode != ModeNew:
		return fmt.Errorf("hold: only applies to --mode new, got mode %q", c.Mode)
	case c.Linger >= 0:
		return notUDP("linger", "UDP has no close handshake")
	case c.AwaitServerClose:
		return notUDP("await-close", "UDP has no close handshake")
	case c.ReuseAddr:
		return notUDP("reuseaddr", "it would let sockets share ports")
	case c.BindNoPort:
		return notUDP("bind-no-port", "a TCP option")
	}
	return c.onlyFor(ProtocolUDP)
}
