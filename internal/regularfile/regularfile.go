// Package regularfile reads the files portlab is given (results,
// scenarios, request bodies, CA certificates) as hostile input: regular
// files only, bounded in size, never blocking on a FIFO.
package regularfile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// Read reads a regular file of at most limit bytes. It opens
// without blocking, so a FIFO cannot hang it, and refuses anything else
// (a FIFO, a device, a directory, a socket) before reading. Its errors
// name the file's kind ("a result") and, for a file that is not regular,
// add hint.
func Read(path string, limit int64, kind, hint string) ([]byte, error) {
	// Judged before the open too: opening a socket fails with ENXIO,
	// which says nothing to the user.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, notRegular(st.Mode(), hint)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(st.Mode(), hint)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%d bytes is larger than %s may be (%d MiB)", st.Size(), kind, limit>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %s may be (%d MiB)", kind, limit>>20)
	}
	return b, nil
}

func notRegular(m os.FileMode, hint string) error {
	return fmt.Errorf("not a regular file (%s): %s", describeMode(m), hint)
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
