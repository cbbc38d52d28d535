// Package topology builds a two-host network without virtual machines: a
// client namespace and a server namespace joined by a veth pair,
// 198.18.0.1/24 (ClientAddr) on the client's end and 198.18.0.2/24
// (ServerAddr) on the server's, each namespace with its own sysctls; and a
// NAT gateway between client hosts and a server host (see "Behind a NAT
// gateway" below).
//
// On a single loopback both ends of every connection live in one kernel
// namespace, with one TIME_WAIT table and one set of sysctls, so nothing
// shows which side holds a port. Here the client and the server each have
// their own: TIME_WAIT is seen on the side that closed first, and
// tcp_tw_reuse, ip_local_port_range or tcp_fin_timeout can differ per side.
// The veth is not loopback either, so tcp_tw_reuse=2 ("loopback only", the
// default) behaves as 0 here, as it does between real hosts.
//
// # Who creates what
//
// Creating a veth pair with one end in each namespace needs CAP_NET_ADMIN
// over both, that is over the user namespace that owns each. Rootless, the
// user namespace made by netns.Command is the only one where the caller is
// root, so both network namespaces must belong to it. Hence a chain of two
// processes rather than two siblings:
//
//	host process ── netns.Command ──▶ client host ── CLONE_NEWNET ──▶ server host
//	                (new userns+netns rootless,       (same userns,
//	                 new netns as root)                new netns)
//
// The host process starts the client host with netns.Command as usual. In
// the client host, StartServerHost starts the same executable again with
// CLONE_NEWNET alone: the client host is root in its user namespace, so the
// new namespace belongs to that same user namespace. Two siblings started
// by netns.Command rootless would each get a user namespace of their own,
// and neither could put an interface into the other's network namespace.
//
// StartServerHost then creates the veth pair with the peer placed straight
// into the server's namespace by PID (IFLA_NET_NS_PID in the same request,
// the atomic form of netlink.LinkSetNsPid), configures its own end, brings
// lo up, writes the client's sysctls, adds the optional netem qdisc, and
// tells the server host to go on. The server host (ServeHost) does the
// same on its side (SetupServer), starts its service, reports ready, and at
// the end reports its own socket table. Each side waits for its link to be
// operationally up, so when StartServerHost returns, the first SYN gets
// through (before that the kernel drops it, and connect waits a second for
// the retransmission).
//
// The two talk over two pipes passed as file descriptors 3 and 4, one JSON
// message per line, so the server's stdout and stderr stay free for logs
// (StartServerHost keeps their tail for its error messages).
//
// # Using it
//
// The server host is the same binary, told apart by PORTLAB_TOPOLOGY_SERVER=1
// (IsServerHost); args let the caller pick a hidden subcommand:
//
//	// in main, after netns.Init:
//	if topology.IsServerHost() {
//		os.Exit(serveHost(ctx)) // calls topology.ServeHost(ctx, start)
//	}
//
//	// in the client host, started by netns.Command:
//	srv, err := topology.StartServerHost(ctx, spec, "__server-host")
//	... load 198.18.0.2:7777 ...
//	clientSockets, _ := topology.TakeSockets()
//	serverSockets, err := srv.Stop()
//
// One server host at a time per client namespace: the veth names are fixed.
// Every process of the topology dies with the host process (Pdeathsig), and
// the namespaces with them.
//
// # Behind a NAT gateway
//
// StartServerHost is one case of StartPeer: a host started from this one
// and joined to it by a Veth. A NAT gateway (the sandbox child) starts a
// server host on NATServerVeth and client hosts on NATClientVeth(k), each
// client routing everything via the gateway (and waiting until the gateway
// answers), and SetupGateway turns its own
// namespace into the gateway: forwarding, the SNAT pool (SNATAddr(i) and a
// port range) in an nftables table of its own, the conntrack knobs. A
// client host runs ServeClient: it prepares (a load's preflight), reports
// ready, starts its run when told to (Peer.Go, once every client is
// ready), and its run's report travels back with its socket table when the
// run ends by itself (Peer.Wait). The server has no
// route to the clients: only source NAT brings its replies back, so when
// the pool has no free (address, port) toward a destination, the SYN is
// dropped at the gateway and the client's connect times out.
//
// Network namespaces exist only on Linux; elsewhere every function returns
// an error wrapping errors.ErrUnsupported.
package topology
