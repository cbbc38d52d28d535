package config

// MaxDatagram is the largest UDP payload (65,535 minus the IPv4 and UDP
// headers).
const MaxDatagram = 65507

func (c *Load) validateUDP() error {
	notUDP := func(field, why string) error {
		return Errorf(field, "does not apply to --protocol udp (%s)", why)
	}
	switch {
	case c.Hold && c.Mode != ModeNew:
		return Errorf("hold", "only applies to --mode new, got mode %q", c.Mode)
	case c.Linger >= 0:
		return notUDP("linger", "UDP has no close handshake")
	case c.AwaitClose:
		return notUDP("await_close", "UDP has no close handshake")
	case c.ReuseAddr:
		return notUDP("reuseaddr", "it would let sockets share ports")
	case c.BindNoPort:
		return notUDP("bind_no_port", "a TCP option")
	}
	return c.onlyFor(ProtocolUDP)
}
