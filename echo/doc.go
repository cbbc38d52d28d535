// Package echo is an echo server for portlab's load and
// ephemeral-port-exhaustion tests: raw TCP, HTTP/1.1 or UDP
// ([Config.Protocol]).
//
// The interesting knob is who closes first, because the side that closes
// first keeps the connection in TIME_WAIT: with [CloseClient] the server
// echoes until the client hangs up, so TIME_WAIT (and the ephemeral port)
// stays on the client; with [CloseServer] the server answers one request of
// [Config.Payload] bytes and closes, so TIME_WAIT lands on the server.
//
// Under [ProtocolHTTP] the same knob is the "Connection: close" response
// header ([CloseServer]) or [Config.KeepAlive] off; under [ProtocolUDP]
// there is no connection, so nothing to close and no TIME_WAIT.
//
// The API follows net/http/httptest: [NewServer] returns a started server,
// [Server.Addr] names it, and [Server.Close] returns only once every
// connection goroutine has exited.
package echo
