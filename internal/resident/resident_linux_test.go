package resident

import (
	"bytes"
	"crypto/sha256"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// codeDigest reads the bytes of every mapping Trim may release through
// /proc/self/mem, which maps them all in again, and hashes them.
func codeDigest(t *testing.T) [32]byte {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	maps, err := parseMaps(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	h := sha256.New()
	for _, m := range code(maps) {
		buf := make([]byte, m.hi-m.lo)
		if _, err := mem.ReadAt(buf, int64(m.lo)); err != nil {
			t.Fatalf("%s %x-%x: %v", m.path, m.lo, m.hi, err)
		}
		h.Write(buf)
	}
	return [32]byte(h.Sum(nil))
}

// TestTrimReleasesCode: after Trim the test binary has fewer file pages
// resident than before, not one byte of its code reads differently, and
// the runtime still walks its tables (collections, stack growth,
// tracebacks) in goroutines that ran across it.
func TestTrimReleasesCode(t *testing.T) {
	before := codeDigest(t) // every code page resident now
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() { deep(stop, 200) })
	}
	was, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Trim()
	if err != nil {
		t.Fatal(err)
	}
	now, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	runtime.GC()
	if tr.Mappings == 0 || tr.KB == 0 {
		t.Errorf("Trim released %d mappings, %d kB; want the binary's code", tr.Mappings, tr.KB)
	}
	if now.FileKB >= was.FileKB {
		t.Errorf("RssFile %d kB after Trim, %d kB before; want fewer", now.FileKB, was.FileKB)
	}
	if !strings.Contains(string(stack()), "TestTrimReleasesCode") {
		t.Errorf("no traceback after Trim:\n%s", stack())
	}
	if after := codeDigest(t); after != before {
		t.Error("the code reads differently after Trim")
	}
}

// deep grows its goroutine's stack n frames deep, then waits for stop.
func deep(stop <-chan struct{}, n int) {
	if n > 0 {
		deep(stop, n-1)
		return
	}
	<-stop
}

func stack() []byte {
	buf := make([]byte, 64<<10)
	return buf[:runtime.Stack(buf, false)]
}

// TestTrimKeepsWrittenPages maps the test binary twice more: once clean
// and read-only, and once privately with its first page written before
// it was made read-only, as the loader does to relocations. Trim must
// release the first and leave the second whole: MADV_DONTNEED there would
// bring the file's bytes back.
func TestTrimKeepsWrittenPages(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 64 << 10
	clean, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(clean)
	written, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(written)
	written[0] = 'X' // the file's is 0x7f, ELF's magic
	if err := unix.Mprotect(written, unix.PROT_READ); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < size; i += os.Getpagesize() {
		sink += clean[i] // fault every page in
	}
	if got := residentKB(t, clean); got != size>>10 {
		t.Fatalf("clean mapping: %d kB resident before Trim, want %d", got, size>>10)
	}
	if _, err := Trim(); err != nil {
		t.Fatal(err)
	}
	if got := residentKB(t, clean); got != 0 {
		t.Errorf("clean mapping: %d kB resident after Trim, want 0", got)
	}
	if written[0] != 'X' {
		t.Errorf("written page reads %#x after Trim, want 'X': Trim released a written page", written[0])
	}
	if clean[0] != 0x7f {
		t.Errorf("clean mapping reads %#x after Trim, want the file's 0x7f", clean[0])
	}
}

// sink keeps the reads that fault pages in.
var sink byte

// residentKB is what pagemap says of b's pages.
func residentKB(t *testing.T, b []byte) int64 {
	t.Helper()
	pm, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Close()
	lo := uintptr(unsafe.Pointer(&b[0]))
	kB, _, err := fileResident(pm, mapping{lo: lo, hi: lo + uintptr(len(b))}, make([]byte, 8*3)) // chunks of 3 pages: 64 kB is 16
	if err != nil {
		t.Fatal(err)
	}
	return kB
}
