package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ShardIndexEnv is the environment variable that gives a process its
// shard index when only the count is given (Load.Shards): Kubernetes sets
// it, 0-based, in every pod of an Indexed Job.
const ShardIndexEnv = "JOB_COMPLETION_INDEX"

// MaxShards bounds the shard count: every shard needs a worker of its own,
// and concurrency stops at 100,000.
const MaxShards = 100_000

// MaxStartWait bounds how far ahead a run may be told to start (StartAt,
// StartDelay): an instant further off is a mistake (a wrong date or time
// zone), and a run would sit waiting on it unattended.
const MaxStartWait = time.Hour

// MaxStartLate is how long after StartAt a run may still begin, at once:
// a pod scheduled a little late still overlaps the others; one later than
// this would measure a different window from theirs, so it is refused.
const MaxStartLate = time.Minute

// Shard is one of Count processes that together run one load: shard Index
// (0-based, as Kubernetes numbers an Indexed Job's pods) runs its share of
// the load's rate, concurrency, request count and pool (Load.Share).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// String is the shard as --shard takes it, I/N.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Label is the label of shard s's result: the load's label, if any, and
// the shard.
func (s Shard) Label(label string) string {
	if label == "" {
		return "shard " + s.String()
	}
	return label + " shard " + s.String()
}

// Part is shard s's share of k things: k/Count, and one more for the first
// k mod Count shards, so the shares of all shards add up to k exactly.
func (s Shard) Part(k int64) int64 {
	n := int64(s.Count)
	part := k / n
	if int64(s.Index) < k%n {
		part++
	}
	return part
}

// ParseShard reads I/N: shard I (0-based) of N.
func ParseShard(v string) (Shard, error) {
	i, n, ok := strings.Cut(v, "/")
	if !ok {
		return Shard{}, Errorf("shard", "%q is not I/N (shard I of N, I from 0, e.g. 0/4)", v)
	}
	count, err := digits(n)
	if err != nil || count < 1 || count > MaxShards {
		return Shard{}, Errorf("shard", "%q: N must be a shard count from 1 to %d", v, MaxShards)
	}
	index, err := digits(i)
	if err != nil || index >= count {
		return Shard{}, Errorf("shard", "%q: I must be a shard index from 0 to %d (0-based, as %s)", v, count-1, ShardIndexEnv)
	}
	return Shard{Index: index, Count: count}, nil
}

// digits reads a decimal number of at most 9 digits, nothing else: no
// sign, no space.
func digits(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return strconv.Atoi(s)
}

// ResolveShard completes a count given alone (Shards) with this process's
// index, read by lookup from ShardIndexEnv, and sets Shard to I/N. Given
// both, --shard and the environment must agree with the count. The CLI
// passes os.LookupEnv; nothing else reads the environment.
func (c *Load) ResolveShard(lookup func(string) (string, bool)) error {
	if c.Shards == 0 {
		return nil
	}
	if c.Shards < 0 || c.Shards > MaxShards {
		return Errorf("shards", "must be a shard count from 1 to %d, got %d", MaxShards, c.Shards)
	}
	var given Shard
	if c.Shard != "" {
		var err error
		if given, err = ParseShard(c.Shard); err != nil {
			return err
		}
		if given.Count != c.Shards {
			return Errorf("shard", "%s disagrees with --shards %d", c.Shard, c.Shards)
		}
	}
	v, set := lookup(ShardIndexEnv)
	if !set || v == "" {
		if c.Shard != "" {
			return nil // --shard I/N says the index
		}
		return Errorf("shards", "%s is not set: it gives this process's shard index, 0 to %d (Kubernetes sets it in an Indexed Job's pods); set it, or give --shard I/%d",
			ShardIndexEnv, c.Shards-1, c.Shards)
	}
	i, err := digits(v)
	if err != nil || i >= c.Shards {
		return Errorf("shards", "%s=%q is not a shard index from 0 to %d for %d shards", ShardIndexEnv, v, c.Shards-1, c.Shards)
	}
	if c.Shard != "" && given.Index != i {
		return Errorf("shard", "%s disagrees with %s=%d", c.Shard, ShardIndexEnv, i)
	}
	c.Shard = Shard{Index: i, Count: c.Shards}.String()
	return nil
}

// ShardOf is the shard c runs; the zero Shard (Count 0) when c is a whole
// load.
func (c *Load) ShardOf() (Shard, error) {
	if c.Shard == "" {
		if c.Shards != 0 {
			return Shard{}, Errorf("shards", "%d shards, but this process's index is unknown: only portlab load reads it from %s; give --shard I/%d",
				c.Shards, ShardIndexEnv, c.Shards)
		}
		return Shard{}, nil
	}
	s, err := ParseShard(c.Shard)
	if err == nil && c.Shards != 0 && c.Shards != s.Count {
		err = Errorf("shard", "%s disagrees with --shards %d", c.Shard, c.Shards)
	}
	return s, err
}

// Share is the load that c's shard runs: its part (Shard.Part) of the
// concurrency, the request count and the pool, and 1/N of the rate, so
// that N shards run c together. The share is a whole load of its own
// (Shard and Shards cleared): what one process ran, as its result
// records it. A c that is no shard, or an invalid one, is returned as it
// is.
func (c Load) Share() Load {
	s, err := c.ShardOf()
	if err != nil || s.Count == 0 {
		return c
	}
	c.Concurrency = int(s.Part(int64(c.Concurrency)))
	c.Requests = s.Part(c.Requests)
	c.PoolSize = int(s.Part(int64(c.PoolSize)))
	c.Rate /= float64(s.Count)
	c.Shard, c.Shards = "", 0
	return c
}

// validateShard checks that c splits into its shards, every one of them
// with work to do, and then checks the share itself. A shard without a
// worker (or with no requests, which would mean no count limit) is
// refused rather than run differently from the others: every shard of a
// Job then fails alike, with the same message.
func (c *Load) validateShard() error {
	s, err := c.ShardOf()
	if err != nil {
		return err
	}
	n := s.Count
	switch {
	case c.Concurrency < n:
		return Errorf("concurrency", "%d cannot be split over %d shards: each needs a worker; give at least %d", c.Concurrency, n, n)
	case c.Requests > 0 && c.Requests < int64(n):
		return Errorf("requests", "%d cannot be split over %d shards: each needs a request; give at least %d (or 0: no count limit)", c.Requests, n, n)
	case c.PoolSize > 0 && c.PoolSize < n:
		return Errorf("pool_size", "%d cannot be split over %d shards: each needs a connection; give at least %d (or 0: the concurrency)", c.PoolSize, n, n)
	case c.Rate > 0 && c.Rate/float64(n)*c.Duration.Seconds() < 1:
		return Errorf("rate", "%g requests/s over %d shards is %g/s each, less than one request per duration %s: give at least %g",
			c.Rate, n, c.Rate/float64(n), c.Duration, float64(n)/c.Duration.Seconds())
	}
	share := c.Share()
	return share.Validate()
}

// validateStart checks the start knobs that do not depend on the clock;
// StartTime checks StartAt against it.
func (c *Load) validateStart() error {
	switch {
	case !c.StartAt.IsZero() && c.StartDelay != 0:
		return Errorf("start_at", "give --start-at or --start-delay, not both")
	case c.StartDelay < 0 || c.StartDelay > MaxStartWait:
		return Errorf("start_delay", "must be between 0 and %s, got %s", MaxStartWait, c.StartDelay)
	}
	return nil
}

// StartTime is when the load's measured window is to begin, given the
// time now: StartAt, or now + StartDelay; zero to begin at once. A StartAt
// more than MaxStartWait ahead or MaxStartLate behind now is refused.
func (c *Load) StartTime(now time.Time) (time.Time, error) {
	if err := c.validateStart(); err != nil {
		return time.Time{}, err
	}
	switch at := c.StartAt; {
	case c.StartDelay > 0:
		return now.Add(c.StartDelay), nil
	case at.IsZero():
		return time.Time{}, nil
	case at.Sub(now) > MaxStartWait:
		return time.Time{}, Errorf("start_at", "%s is %s from now, more than %s ahead: check its date and zone (RFC 3339, e.g. 2006-01-02T15:04:05Z)",
			at.Format(time.RFC3339), at.Sub(now).Round(time.Second), MaxStartWait)
	case now.Sub(at) > MaxStartLate:
		return time.Time{}, Errorf("start_at", "%s was %s ago, more than %s: this run would not overlap the others; give an instant ahead",
			at.Format(time.RFC3339), now.Sub(at).Round(time.Second), MaxStartLate)
	}
	return c.StartAt, nil
}
