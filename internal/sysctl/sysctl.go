// Package sysctl reads and writes Linux sysctls by their dotted names, such
// as net.ipv4.tcp_tw_reuse. It is the one reader of /proc/sys in portlab:
// the port report, the load engine's environment record, the predictions
// and the namespace set-up all go through it.
//
// /proc/sys/net is per network namespace: a process reads and writes the
// values of the namespace it is in.
package sysctl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Read reads a sysctl by its dotted name, e.g.
// "net.ipv4.ip_local_port_range". The value comes back trimmed, with each
// run of whitespace (the kernel separates fields with tabs) turned into one
// space: "32768 60999". A sysctl the kernel lacks gives an error that
// errors.Is(err, fs.ErrNotExist) recognises.
func Read(name string) (string, error) {
	path, err := Path(name)
	if err != nil {
		return "", fmt.Errorf("read sysctl %s: %w", name, err)
	}
	b, err := readFile(path)
	if err != nil {
		return "", fmt.Errorf("read sysctl %s: %w", name, err)
	}
	return strings.Join(strings.Fields(string(b)), " "), nil
}

// ReadInt reads a sysctl whose value is one integer, such as
// net.ipv4.tcp_tw_reuse.
func ReadInt(name string) (int, error) {
	s, err := Read(name)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("read sysctl %s: %w", name, err)
	}
	return n, nil
}

// Write sets a sysctl by its dotted name. It only writes an existing file:
// a misspelt name fails.
func Write(name, value string) error {
	path, err := Path(name)
	if err == nil {
		err = writeFile(path, value)
	}
	if err != nil {
		return fmt.Errorf("set sysctl %s=%q: %w", name, value, err)
	}
	return nil
}

// errName is the error of a name that is not a dotted sysctl name.
var errName = errors.New("invalid sysctl name: want a dotted name like net.ipv4.ip_local_port_range")

// Path returns the /proc/sys file of the sysctl name, refusing names that
// could reach outside /proc/sys.
func Path(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "/\x00") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return "", fmt.Errorf("%q: %w", name, errName)
	}
	return "/proc/sys/" + strings.ReplaceAll(name, ".", "/"), nil
}
