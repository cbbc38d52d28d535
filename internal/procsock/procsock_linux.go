package procsock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// procRoot is where the process table is mounted.
const procRoot = "/proc"

// Scan reads every process's descriptors and maps the inode of each socket
// among them to its holders. A process that ends during the scan is
// skipped; one whose descriptors cannot be read is counted in
// Result.Denied.
func Scan() (*Result, error) {
	r := &Result{Owners: make(map[uint32][]Process)}
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("procsock: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue // not a process directory
		}
		inodes, err := socketInodes(pid)
		switch {
		case errors.Is(err, fs.ErrPermission):
			r.Denied++
			continue
		case err != nil:
			continue // the process ended under us
		}
		r.Scanned++
		if len(inodes) == 0 {
			continue
		}
		p := Process{PID: pid, Command: command(pid)}
		for _, ino := range inodes {
			if !slices.Contains(r.Owners[ino], p) {
				r.Owners[ino] = append(r.Owners[ino], p)
			}
		}
	}
	return r, nil
}

// socketInodes lists the inodes of pid's socket descriptors.
func socketInodes(pid int) ([]uint32, error) {
	dir := procRoot + "/" + strconv.Itoa(pid) + "/fd"
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	var inodes []uint32
	for _, n := range names {
		link, err := os.Readlink(dir + "/" + n)
		if err != nil {
			continue // closed since the listing
		}
		if ino, ok := parseSocketLink(link); ok {
			inodes = append(inodes, ino)
		}
	}
	return inodes, nil
}

// parseSocketLink parses the target of a socket descriptor's link,
// "socket:[12345]".
func parseSocketLink(link string) (uint32, bool) {
	s, ok := strings.CutPrefix(link, "socket:[")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, "]")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(n), true
}

// command reads /proc/PID/comm; "?" if the process ended meanwhile.
func command(pid int) string {
	b, err := os.ReadFile(procRoot + "/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// Inode returns the inode of c's socket: the number its /proc/PID/fd link
// and sock_diag report.
func Inode(c syscall.Conn) (uint32, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("procsock: %w", err)
	}
	var st unix.Stat_t
	var statErr error
	if err := rc.Control(func(fd uintptr) { statErr = unix.Fstat(int(fd), &st) }); err != nil {
		return 0, fmt.Errorf("procsock: %w", err)
	}
	if statErr != nil {
		return 0, fmt.Errorf("procsock: fstat: %w", statErr)
	}
	return uint32(st.Ino), nil
}
