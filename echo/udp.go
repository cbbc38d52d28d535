package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"

	"github.com/portlab/portlab/config"
)

// startUDP listens on a UDP socket and echoes from several goroutines at
// once, so one slow write (or Delay) does not stall every client. Start
// calls it with s.mu held.
func (s *Server) startUDP() error {
	lc := net.ListenConfig{Control: control(s.cfg)}
	pc, err := lc.ListenPacket(context.Background(), "udp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	s.pc, s.started = pc.(*net.UDPConn), true
	for range max(runtime.GOMAXPROCS(0), 2) {
		s.wg.Add(1)
		go s.serveUDP(s.pc)
	}
	return nil
}

// serveUDP echoes each datagram to its sender until the socket is closed.
func (s *Server) serveUDP(pc *net.UDPConn) {
	defer s.wg.Done()
	buf := make([]byte, config.MaxDatagram)
	for {
		n, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			select {
			case <-s.stop:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Anything else concerns one datagram (an ICMP error for an
			// earlier reply, a truncation): the socket serves on.
			continue
		}
		s.bytesIn.Add(int64(n))
		if !s.sleep(nil) {
			return
		}
		w, err := pc.WriteToUDPAddrPort(buf[:n], from)
		s.bytesOut.Add(int64(w))
		if err == nil {
			s.requests.Add(1)
		}
	}
}
