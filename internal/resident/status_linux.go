package resident

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Current reads the process's resident set from /proc/self/status.
func Current() (Set, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return Set{}, err
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus takes the VmRSS, RssAnon and RssFile lines ("Key:  N kB")
// of a /proc/PID/status file; all three must be there (Linux 4.5+).
func parseStatus(r io.Reader) (Set, error) {
	var s Set
	fields := map[string]*int64{"VmRSS": &s.KB, "RssAnon": &s.AnonKB, "RssFile": &s.FileKB}
	seen := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, rest, _ := bytes.Cut(sc.Bytes(), []byte(":"))
		p := fields[string(key)]
		if p == nil {
			continue
		}
		v := bytes.Fields(rest)
		if len(v) != 2 || string(v[1]) != "kB" {
			return Set{}, fmt.Errorf("status: %s: %q", key, rest)
		}
		n, err := strconv.ParseInt(string(v[0]), 10, 64)
		if err != nil {
			return Set{}, fmt.Errorf("status: %s: %w", key, err)
		}
		*p = n
		seen++
	}
	if err := sc.Err(); err != nil {
		return Set{}, err
	}
	if seen != len(fields) {
		return Set{}, fmt.Errorf("status: VmRSS, RssAnon and RssFile: found %d of 3", seen)
	}
	return s, nil
}
