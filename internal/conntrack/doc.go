// Package conntrack reads the connection-tracking table of the calling
// process's network namespace: how many entries it holds, the TCP ones by
// state, and the kernel's conntrack statistics (insert_failed, drop,
// early_drop, ...). A NAT gateway's state lives there: each translated
// flow is one entry, and a SYN that finds no free SNAT (address, port)
// shows in these counters rather than as an error anyone sees.
//
// Measured on Linux 6.18: such a SYN gets a mapping that clashes with one
// in use, its entry fails insertion and the packet is dropped, so
// insert_failed and drop each count one per dropped SYN (retransmissions
// included), while early_drop (a full table) and clashres stay 0.
//
// The table is read over netlink (NETLINK_NETFILTER), the statistics from
// /proc/net/stat/nf_conntrack, both of the caller's namespace. Linux only;
// elsewhere Take returns an error wrapping errors.ErrUnsupported.
package conntrack
