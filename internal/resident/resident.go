package resident

// Trimmed is what one Trim released: the read-only file-backed mappings
// of the program's code whose page-table entries it dropped, and the
// kilobytes they had resident just before.
type Trimmed struct {
	Mappings int
	KB       int64
}

// Set is the process's resident set at one moment, in kilobytes: the
// whole (VmRSS), and its anonymous (heap, stacks, written data) and
// file-backed (code, read-only data, clean pages of the data segment)
// parts. Shared memory, the rest of VmRSS, portlab does not use.
type Set struct {
	KB, AnonKB, FileKB int64
}
