// Package loadgen is portlab's client engine: it opens TCP connections to an
// echo server in one of three strategies (a new connection per request, a
// shared pool, or per-worker keep-alive), in a closed loop of fixed
// concurrency or an open loop at a global rate, and measures what happens,
// above all when and how connect() starts failing with EADDRNOTAVAIL.
//
// The request framing is fixed-size: a request is Payload bytes written, and
// it succeeds when the same number of bytes has been read back. Any server
// that echoes bytes (portlab echo, nc -e cat, socat) works.
//
// Config.Protocol changes what a request is. Under ProtocolHTTP it is an
// HTTP/1.1 request through one net/http Transport shared by the workers,
// as in a program: the Transport is the pool (Mode keepalive, with Go's
// MaxIdleConnsPerHost of 2 unless told otherwise, or Mode new for
// keep-alive off), and a connection counts as opened when the Transport
// dials it. Under ProtocolUDP it is one datagram on a connected UDP socket
// and its echo; a socket frees its port when closed, so only Config.Hold
// makes UDP run out of ports (on Linux connect() then fails with EAGAIN).
//
// New sets a run up (validates, resolves the targets, sends one preflight
// request) and Runner.Run sends the load; Run does both. They are
// synchronous and cancellable. What the caller knows beyond the Config (the
// namespace it runs in, the tool version, where to show progress) comes as
// Options.
//
// One engine serves every protocol: a worker's loop, the pacer (next), the
// connection strategies (conn.go) and the stop (Runner.stopper) are the
// same for all; a protocol (protocol.go) only dials and exchanges one
// request, or, like HTTP, keeps its own connections. Each protocol's file
// registers itself in protocols.
//
// Each worker owns its histograms and
// counters; they are merged once the workers have stopped, so the
// per-request path takes no lock and, beyond what package net itself
// allocates per connection, allocates nothing.
package loadgen
