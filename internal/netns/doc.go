// Package netns runs parts of portlab in private network namespaces, so that
// draining ephemeral ports, shrinking ip_local_port_range or switching
// tcp_tw_reuse never touches the host.
//
// # Why re-exec
//
// A network namespace belongs to a thread, not to a process: unshare(2) with
// CLONE_NEWNET moves only the calling thread. A Go program runs its goroutines
// on many threads and moves them between threads at will, so unsharing inside
// a running Go process leaves every other thread, and any goroutine that
// migrates, in the host's namespace. runtime.LockOSThread narrows this but
// does not fix it: threads the runtime starts later are cloned from whichever
// thread happens to spawn them.
//
// So this package never changes the namespace of the running process. Command
// re-executes the current binary with clone flags that put the whole child
// process, every thread and goroutine it will ever have, in a fresh network
// namespace. The namespace lives exactly as long as the child: when it exits,
// the kernel tears the namespace down together with its sockets, TIME_WAIT
// entries and sysctls. Pdeathsig makes the child die with its parent.
//
// As root the child gets CLONE_NEWNET alone. Otherwise it also gets
// CLONE_NEWUSER with the caller mapped to root inside, which is enough to own
// the new network namespace and write its per-namespace sysctls.
//
// # Using it
//
// Call Init first thing in main (and in TestMain of every test package that
// uses netnstest): the same binary is started again as the probe behind
// Available, and Init is where that probe runs and exits.
//
//	func main() {
//		netns.Init()
//		...
//		if err := netns.Available(); err != nil { ... }
//		cmd := netns.Command(ctx, "run", "--in-namespace", ...)
//	}
//
// In the child, Inside reports true and Setup brings lo up and writes the
// sysctls. Setup refuses to run anywhere else, so it cannot change the
// host's settings. Inside only reads PORTLAB_NETNS, which anyone can set: a
// child that must be sure it runs in the namespace made for it (the
// sandbox's) gets from its parent the namespace's ID, which the parent
// reads with Of(cmd.Process.Pid) once the child has started, and checks it
// with Verify.
//
// Network namespaces exist only on Linux; elsewhere every function reports an
// error wrapping errors.ErrUnsupported.
package netns
