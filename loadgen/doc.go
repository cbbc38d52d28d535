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
// Run is synchronous and cancellable. Each worker owns its histograms and
// counters; they are merged once the workers have stopped, so the
// per-request path takes no lock and, beyond what package net itself
// allocates per connection, allocates nothing.
package loadgen
