// Package procsock names the processes that hold sockets, the way `ss -p`
// does: every /proc/PID/fd/N that links to "socket:[INODE]" is a descriptor
// of that socket. sock_diag reports each socket's inode, so the two together
// say which process holds the sockets toward a destination.
//
// What it cannot see it counts rather than hides: without root (or
// CAP_SYS_PTRACE) another user's /proc/PID/fd cannot be read, and a socket
// in TIME_WAIT has no inode at all, since no process holds it any more. Only
// Linux is supported; elsewhere [Owners] returns an error wrapping
// errors.ErrUnsupported.
//
// A scan takes a few milliseconds, a short-lived connection not much more:
// scan before and after the socket dump and [Result.Merge] the two, so a
// socket that lived through either is named.
package procsock

import "slices"

// Process is one process holding a socket.
type Process struct {
	// PID is the process ID, in the PID namespace whose /proc was read.
	PID int `json:"pid"`
	// Command is the process's name (/proc/PID/comm), as ss -p shows it.
	Command string `json:"command"`
}

// Result is what one scan of the processes found.
type Result struct {
	// Owners maps the inode of every socket a process holds to those
	// processes, in PID order. A socket shared across fork() has several.
	Owners map[uint32][]Process
	// Scanned counts the processes whose descriptors were read.
	Scanned int
	// Denied counts the processes whose descriptors could not be read
	// (another user's, without privileges): sockets they hold stay unnamed.
	Denied int
}

// Merge adds the owners o found to r's, as if one scan had seen both.
func (r *Result) Merge(o *Result) {
	for ino, ps := range o.Owners {
		for _, p := range ps {
			if !slices.Contains(r.Owners[ino], p) {
				r.Owners[ino] = append(r.Owners[ino], p)
			}
		}
	}
	r.Scanned, r.Denied = max(r.Scanned, o.Scanned), max(r.Denied, o.Denied)
}
