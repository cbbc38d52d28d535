// Package sandbox runs scenarios: every run in a fresh private network
// namespace with its own sysctls, an echo server and the load engine
// inside, so ports can be exhausted in seconds without touching the host.
//
// # Why a re-exec per run
//
// A network namespace belongs to a thread, and Go moves goroutines between
// threads, so a Go program cannot reliably move itself into a namespace.
// Instead the parent (Execute) starts its own executable again
// (netns.Command) with ChildArg, with CLONE_NEWNET — and, for an
// unprivileged user, CLONE_NEWUSER mapping the caller to root in it, which
// is what lets it write the namespace's sysctls. The child (ChildMain) sets
// the namespace up, runs one experiment, prints the result JSON and exits;
// the namespace, its TIME_WAIT table and its sysctls vanish with it. A
// fresh namespace per run means no run inherits the TIME_WAIT sockets of
// the one before. In the two-hosts topology the child starts one more
// process, the server host (ServerHostMain), in a second namespace.
//
// The child and the server host return errors; the main that dispatches
// them turns those into exit codes.
package sandbox
