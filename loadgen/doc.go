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
// Every request is accounted for (report.Totals): a request is started
// when its worker begins it (seeks a connection), and ends ok, failed or
// incomplete; in an open loop a send due before the stop is started or
// unsent (the workers or connections were busy), so scheduled = started +
// unsent = rate x duration (+-1). At the deadline no request starts any
// more; those in flight get a grace of min(Timeout, 1 s) to be answered or
// to fail on their own (a timeout or reset in the grace is a failure).
// What is still in flight after it is aborted and counted incomplete; on
// cancel there is no grace. The measured window (Result.ElapsedS, which
// rates use) runs from the start to the stop, or to the last completion
// when the run ran out of requests first; the grace, closing and the last
// socket sample are wind-down (Result.WindDownS).
//
// An onset's connections_before counts the connections whose local port
// the kernel had handed out before the first failure: dials are numbered
// as they start, and every successful dial numbered up to the failure
// counts, even one that returned after it. With tcp_tw_reuse=0 in a fresh
// namespace it is the range at any concurrency; the kernel itself now and
// then hands out a TIME_WAIT port early, a run then counting 1 to 15 over
// (seen in about 3% of runs on 1,000 ports; once in 15 runs of 5,000
// ports at concurrency 256, by 1).
//
// HTTP responses are counted per status code (Result.Status); one that is
// not 2xx is a failure of class http_4xx, http_5xx or other (1xx, 3xx).
//
// Each worker owns its counters; latencies and the timeline go into a few
// histograms per CPU (not per worker) with atomic counts, merged exactly
// once the workers have stopped, so the per-request path takes no lock
// and, beyond what a new connection itself costs, allocates nothing. On
// Linux the engine dials its TCP sockets itself (rawdial_linux.go).
package loadgen
