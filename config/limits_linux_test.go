package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// withOpenFiles lowers this process's RLIMIT_NOFILE soft limit to n for
// the test.
func withOpenFiles(t *testing.T, n uint64) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	old := rl
	rl.Cur = n
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })
}

// Validate refuses, before any load, sockets beyond ulimit -n and buffers
// beyond the machine's memory, saying what the run would need.
func TestValidateChecksResources(t *testing.T) {
	withOpenFiles(t, 256)
	mem := memoryBytes()
	if mem == 0 {
		t.Fatal("sysinfo gave no memory size")
	}
	// Enough workers of 64 MiB requests to want more than half the memory.
	bigWorkers := int(mem/(4*MaxPayload)) + 1
	tests := []struct {
		name   string
		mutate func(*Load)
		field  string
		msg    string // "" = accepted
	}{
		{"concurrency within", func(c *Load) { c.Concurrency = 192 }, "", ""},
		{"concurrency beyond", func(c *Load) { c.Concurrency = 300 }, "concurrency",
			"concurrency: 300 needs 364 descriptors (a socket each, plus 64 for the process); ulimit -n is 256"},
		{"pool beyond", func(c *Load) { c.Mode, c.PoolSize = ModePool, 1000 }, "pool_size",
			"pool-size: 1000 needs 1064 descriptors (a socket each, plus 64 for the process); ulimit -n is 256"},
		{"pool huge", func(c *Load) { c.Mode, c.PoolSize = ModePool, 100_000_000 }, "pool_size",
			"pool-size: must be between 0 (= concurrency) and 100000, got 100000000"},
		{"small pool, many workers", func(c *Load) { c.Mode, c.PoolSize, c.Concurrency = ModePool, 8, 1000 }, "", ""},
		{"buffers beyond memory", func(c *Load) { c.Payload, c.Concurrency = MaxPayload, bigWorkers }, "payload",
			fmt.Sprintf("payload: %d bytes with concurrency %d needs", MaxPayload, bigWorkers)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultLoad()
			c.Target = "127.0.0.1:7777"
			tt.mutate(&c)
			if c.Concurrency+reservedFDs > 256 && tt.field == "payload" {
				withOpenFiles(t, uint64(c.Concurrency+reservedFDs))
			}
			err := c.Validate()
			var fe *FieldError
			switch {
			case tt.msg == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.msg == "":
			case !errors.As(err, &fe) || fe.Field != tt.field || !strings.HasPrefix(err.Error(), tt.msg):
				t.Errorf("Validate() = %v, want a *FieldError for %s: %q", err, tt.field, tt.msg)
			}
		})
	}
}
