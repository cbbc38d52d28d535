// Package resident keeps a long-running process's resident set to what it
// uses. A Go binary's start-up (every package's init, flag parsing, the
// set-up of a run) touches code and read-only data scattered across the
// executable, and the kernel maps file pages around each fault (64 kB
// chunks), so most of the binary stays resident afterwards although the
// steady work touches a small part of it. Trim drops those page-table
// entries once, after the set-up: the pages stay in the page cache, and
// what the work touches comes back as minor faults.
package resident
