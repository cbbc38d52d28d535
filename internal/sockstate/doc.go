// Package sockstate samples the TCP sockets of the caller's network
// namespace: how many sockets are in each state, how many distinct local
// ports are held toward each remote IP:port, and which addresses listen.
//
// On Linux it asks the kernel through netlink sock_diag (what ss uses), never
// by parsing /proc/net/tcp (slow with many sockets) or running ss/netstat.
// Other operating systems return an error wrapping [errors.ErrUnsupported].
//
// A netlink socket lives in the network namespace of the OS thread that
// created it, and each call here opens a fresh one, so a sample reflects the
// namespace of the calling thread: the process's, since portlab re-execs into
// a namespace rather than switching threads.
package sockstate
