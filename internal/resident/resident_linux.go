package resident

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// mapping is one line of /proc/self/maps.
type mapping struct {
	lo, hi uintptr
	perms  string
	path   string
}

// Trim drops the page-table entries of the program's code and read-only
// data: every mapping of a file that is mapped executable (the binary,
// and libc and the loader when it is linked dynamically) that is not
// writable and holds no anonymous page. It is safe while other threads
// run: such a mapping's contents are the file's, so MADV_DONTNEED only
// makes the next access a minor fault that maps the same page-cache page
// again. A mapping with an anonymous page (relocations written before it
// was made read-only, a debugger's breakpoint) is left alone: there
// MADV_DONTNEED would put the file's bytes back in its place. (A
// breakpoint set between the check and the call would be lost, not the
// program's own bytes.)
func Trim() (Trimmed, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return Trimmed{}, err
	}
	maps, err := parseMaps(f)
	f.Close()
	if err != nil {
		return Trimmed{}, err
	}
	pm, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return Trimmed{}, err
	}
	defer pm.Close()
	var t Trimmed
	var errs []error
	buf := make([]byte, pagemapChunk)
	for _, m := range code(maps) {
		kB, clean, err := fileResident(pm, m, buf)
		if err != nil || !clean {
			errs = append(errs, err) // nil for an anonymous page: nothing went wrong
			continue
		}
		// A raw call: the range is not Go memory, so it has no slice.
		_, _, e := unix.Syscall(unix.SYS_MADVISE, m.lo, m.hi-m.lo, unix.MADV_DONTNEED)
		if e != 0 {
			errs = append(errs, fmt.Errorf("madvise %s %x-%x: %w", m.path, m.lo, m.hi, e))
			continue
		}
		t.Mappings++
		t.KB += kB
	}
	return t, errors.Join(errs...)
}

// code picks the mappings Trim may release: not writable, of a file
// that has an executable mapping.
func code(maps []mapping) []mapping {
	exec := map[string]bool{}
	for _, m := range maps {
		if m.perms[2] == 'x' && m.path != "" && m.path[0] == '/' {
			exec[m.path] = true
		}
	}
	var out []mapping
	for _, m := range maps {
		if exec[m.path] && m.perms[1] != 'w' {
			out = append(out, m)
		}
	}
	return out
}

// Bits of a /proc/PID/pagemap entry (the kernel's
// Documentation/admin-guide/mm/pagemap.rst).
const (
	pagePresent = 1 << 63
	pageSwapped = 1 << 62
	pageFile    = 1 << 61 // a page-cache page (or shared anonymous)
)

// pagemapChunk is how much of pagemap fileResident reads at a time: 512
// pages' entries, so that a trim leaves next to nothing on the heap.
const pagemapChunk = 4 << 10

// fileResident reads m's pagemap entries, a chunk at a time into buf:
// the kilobytes it has resident, and whether every one of them is the
// file's own page-cache page.
func fileResident(pagemap io.ReaderAt, m mapping, buf []byte) (kB int64, clean bool, err error) {
	size := uintptr(os.Getpagesize())
	var pages int64
	for lo := m.lo; lo < m.hi; {
		n := min(uintptr(len(buf))/8, (m.hi-lo)/size)
		b := buf[:n*8]
		if _, err := pagemap.ReadAt(b, int64(lo/size*8)); err != nil {
			return 0, false, fmt.Errorf("pagemap %s %x-%x: %w", m.path, m.lo, m.hi, err)
		}
		for i := 0; i < len(b); i += 8 {
			e := binary.NativeEndian.Uint64(b[i:])
			if e&pageSwapped != 0 || e&pagePresent != 0 && e&pageFile == 0 {
				return 0, false, nil
			}
			if e&pagePresent != 0 {
				pages++
			}
		}
		lo += n * size
	}
	return pages * int64(size) / 1024, true, nil
}

// parseMaps reads /proc/PID/maps: "lo-hi perms offset dev inode [path]".
func parseMaps(r io.Reader) ([]mapping, error) {
	var maps []mapping
	s := bufio.NewScanner(r)
	for s.Scan() {
		f := bytes.Fields(s.Bytes())
		if len(f) < 5 || len(f[1]) != 4 {
			return nil, fmt.Errorf("maps: not a mapping: %q", s.Bytes())
		}
		lo, hi, ok := bytes.Cut(f[0], []byte("-"))
		l, err1 := strconv.ParseUint(string(lo), 16, 64)
		h, err2 := strconv.ParseUint(string(hi), 16, 64)
		if !ok || err1 != nil || err2 != nil || h <= l {
			return nil, fmt.Errorf("maps: bad range: %q", s.Bytes())
		}
		m := mapping{lo: uintptr(l), hi: uintptr(h), perms: string(f[1])}
		if len(f) > 5 {
			m.path = string(f[5])
		}
		maps = append(maps, m)
	}
	return maps, s.Err()
}
