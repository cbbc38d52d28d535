// Package ports is the read-only "portlab ports" inspection of a real host:
// what an operator runs on a box whose connect() calls fail with "cannot
// assign requested address" (EADDRNOTAVAIL).
//
// It reads the ephemeral port range and the ports reserved out of it, counts
// TCP sockets by state and, per remote IP:port, the local ports held inside
// the range. A local port is unique per 4-tuple, so every destination has the
// whole usable range to itself: usage is reported per destination, and the
// busiest one decides the level (warn at 60%, crit at 80%, the thresholds
// operators alert on). For each destination it names the processes holding
// its sockets (Linux, through internal/procsock), which side closes first,
// and the cure for that pattern with this host's settings. A [Watcher]
// samples again and again, each report with the growth since the one
// before and when the destinations will run out at it; [Watch] is two
// such samples.
//
// Linux is fully supported (per network namespace). macOS and FreeBSD report
// the range only, Windows the range and excluded port ranges (via netsh);
// what could not be read is listed in [Report.Unsupported].
package ports
