// Package labcheck is "portlab lab check N": it tells a student of LABS.md
// whether exercise N is done, criterion by criterion, and for each missing
// one what to type next.
//
// A check reads, and never changes, three things: this machine's sysctls
// under /proc/sys/net/ipv4, its TCP sockets (both of the caller's network
// namespace: on the lab's client VM, the VM's), and the result JSON files
// the student wrote into one directory with "portlab load --out FILE" or
// "portlab run --out DIR". Results are picked by what they measured and how
// the load was configured, never by file name, so a run counts wherever it
// was made: on the VMs or in portlab's sandbox.
package labcheck
