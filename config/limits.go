package config

import "fmt"

// MaxPayload is the largest request (and echo server answer) in bytes:
// each worker holds two buffers of it.
const MaxPayload = 64 << 20

// MaxPoolSize bounds --pool-size as MaxConcurrency bounds --concurrency:
// a pool's slots are allocated up front.
const MaxPoolSize = 100_000

// reservedFDs are the descriptors a run needs besides its sockets: stdio,
// the poller, the socket sampler, the result file, a resolver.
const reservedFDs = 64

// checkResources refuses a load this process could not hold before any
// of it is sent: more sockets than RLIMIT_NOFILE allows (the run would
// measure EMFILE, not the target), or request buffers beyond the
// machine's memory (the run would be killed). Where a limit cannot be
// read it is not checked.
func (c *Load) checkResources() error {
	field, sockets := "concurrency", c.Concurrency
	if c.Mode == ModePool && c.PoolSize > 0 {
		field, sockets = "pool_size", c.PoolSize
	}
	if limit := openFilesLimit(); limit > 0 && uint64(sockets+reservedFDs) > limit {
		return Errorf(field, "%d needs %d descriptors (a socket each, plus %d for the process); ulimit -n is %d",
			sockets, sockets+reservedFDs, reservedFDs, limit)
	}
	buffers := 2 * uint64(c.Payload) * uint64(c.Concurrency)
	if mem := memoryBytes(); mem > 0 && buffers > mem/2 {
		return Errorf("payload", "%d bytes with concurrency %d needs %s of buffers (two per worker); this machine has %s of memory, and at most half of it goes to buffers",
			c.Payload, c.Concurrency, bytesIEC(buffers), bytesIEC(mem))
	}
	return nil
}

// bytesIEC says n bytes in the largest binary unit that keeps it >= 1.
func bytesIEC(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
