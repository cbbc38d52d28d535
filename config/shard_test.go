package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// The shares of all shards add up to the whole, and differ by one at most.
func TestShardPartsAddUp(t *testing.T) {
	for n := 1; n <= 7; n++ {
		for k := int64(0); k <= 60; k++ {
			var sum, lo, hi int64
			lo = k
			for i := range n {
				p := Shard{Index: i, Count: n}.Part(k)
				sum += p
				lo, hi = min(lo, p), max(hi, p)
			}
			if sum != k || hi-lo > 1 {
				t.Fatalf("%d over %d shards: parts add to %d, from %d to %d", k, n, sum, lo, hi)
			}
		}
	}
	// Large counts too: the most shards, and counts near int64's end
	// (the shares must not overflow on the way).
	for _, n := range []int{97, 1000, MaxShards} {
		for _, k := range []int64{int64(n) - 1, int64(n) + 1, 1e12 + 7, math.MaxInt64} {
			var sum int64
			lo, hi := int64(math.MaxInt64), int64(0)
			for i := range n {
				p := Shard{Index: i, Count: n}.Part(k)
				sum += p
				lo, hi = min(lo, p), max(hi, p)
			}
			if sum != k || hi-lo > 1 {
				t.Fatalf("%d over %d shards: parts add to %d, from %d to %d", k, n, sum, lo, hi)
			}
		}
	}
}

func TestShare(t *testing.T) {
	c := DefaultLoad()
	c.Target, c.Concurrency, c.Requests, c.Rate, c.Shards = "127.0.0.1:1", 10, 402, 200, 4
	want := []struct {
		concurrency int
		requests    int64
	}{{3, 101}, {3, 101}, {2, 100}, {2, 100}}
	var rate float64
	for i, w := range want {
		s := c
		s.Shard = Shard{Index: i, Count: 4}.String()
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		got := s.Share()
		if got.Concurrency != w.concurrency || got.Requests != w.requests || got.Shard != "" || got.Shards != 0 {
			t.Errorf("shard %d: concurrency %d, requests %d, shard %q/%d; want %d, %d, none",
				i, got.Concurrency, got.Requests, got.Shard, got.Shards, w.concurrency, w.requests)
		}
		rate += got.Rate
	}
	if rate != c.Rate {
		t.Errorf("shares' rates add to %g, want %g", rate, c.Rate)
	}
	whole := c
	whole.Shards = 0
	if whole.Share().Concurrency != 10 {
		t.Error("a load that is no shard is shared")
	}
}

func TestParseShard(t *testing.T) {
	for _, v := range []string{"", "1", "/4", "1/", "4/4", "5/4", "-1/4", "+1/4", " 1/4", "1/0", "0/100001", "1/4/5", "a/b", "1.0/4", "0x1/4"} {
		if s, err := ParseShard(v); err == nil {
			t.Errorf("ParseShard(%q) = %v, want an error", v, s)
		} else if fe := (*FieldError)(nil); !errors.As(err, &fe) || fe.Field != "shard" {
			t.Errorf("ParseShard(%q): %v, not a shard field error", v, err)
		}
	}
	if s, err := ParseShard("3/4"); err != nil || s != (Shard{3, 4}) || s.String() != "3/4" {
		t.Errorf("ParseShard(3/4) = %v, %v", s, err)
	}
}

func TestResolveShard(t *testing.T) {
	tests := []struct {
		name   string
		shard  string
		shards int
		env    string // "-" for unset
		want   string // the resolved Shard, or the error's field and words
	}{
		{"env", "", 4, "2", "2/4"},
		{"flag alone", "1/4", 0, "-", "1/4"},
		{"both agree", "1/4", 4, "1", "1/4"},
		{"both without env", "1/4", 4, "-", "1/4"},
		{"count alone ignores env", "", 0, "7", ""},
		{"unset", "", 4, "-", "shards: JOB_COMPLETION_INDEX is not set"},
		{"empty", "", 4, "", "shards: JOB_COMPLETION_INDEX is not set"},
		{"not a number", "", 4, "x", `shards: JOB_COMPLETION_INDEX="x" is not a shard index from 0 to 3`},
		{"negative", "", 4, "-1", `shards: JOB_COMPLETION_INDEX="-1" is not`},
		{"out of range", "", 4, "4", `shards: JOB_COMPLETION_INDEX="4" is not a shard index from 0 to 3 for 4 shards`},
		{"index disagrees", "1/4", 4, "2", "shard: 1/4 disagrees with JOB_COMPLETION_INDEX=2"},
		{"count disagrees", "1/8", 4, "1", "shard: 1/8 disagrees with --shards 4"},
		{"zero shards", "", -1, "0", "shards: must be a shard count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Load{Shard: tt.shard, Shards: tt.shards}
			err := c.ResolveShard(func(k string) (string, bool) {
				if k != ShardIndexEnv || tt.env == "-" {
					return "", false
				}
				return tt.env, true
			})
			got := c.Shard
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tt.want) || (err == nil) != !strings.Contains(tt.want, ":") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A load that cannot give every shard work is refused, naming the knob.
func TestValidateShard(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Load)
		field  string
	}{
		{"concurrency below shards", func(c *Load) { c.Concurrency = 3 }, "concurrency"},
		{"requests below shards", func(c *Load) { c.Requests = 3 }, "requests"},
		{"pool below shards", func(c *Load) { c.Mode, c.PoolSize = ModePool, 3 }, "pool_size"},
		{"rate share below one per duration", func(c *Load) { c.Rate, c.Duration = 2, time.Second }, "rate"},
		{"count without index", func(c *Load) { c.Shard = "" }, "shards"},
		{"bad shard", func(c *Load) { c.Shard = "4/4" }, "shard"},
		{"share invalid", func(c *Load) { c.Timeout = 0 }, "timeout"},
		{"start both", func(c *Load) { c.StartAt, c.StartDelay = time.Now(), time.Second }, "start_at"},
		{"delay negative", func(c *Load) { c.StartDelay = -time.Second }, "start_delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultLoad()
			c.Target, c.Shard, c.Shards = "127.0.0.1:1", "0/4", 4
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			tt.mutate(&c)
			var fe *FieldError
			if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("got %v, want a %s error", err, tt.field)
			}
		})
	}
}

func TestStartTime(t *testing.T) {
	now := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		at    time.Time
		delay time.Duration
		want  time.Time
		field string
	}{
		{"none", time.Time{}, 0, time.Time{}, ""},
		{"ahead", now.Add(10 * time.Second), 0, now.Add(10 * time.Second), ""},
		{"a little late", now.Add(-5 * time.Second), 0, now.Add(-5 * time.Second), ""},
		{"delay", time.Time{}, 3 * time.Second, now.Add(3 * time.Second), ""},
		{"too far ahead", now.Add(MaxStartWait + time.Second), 0, time.Time{}, "start_at"},
		{"too late", now.Add(-MaxStartLate - time.Second), 0, time.Time{}, "start_at"},
		{"delay too long", time.Time{}, MaxStartWait + time.Second, time.Time{}, "start_delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Load{StartAt: tt.at, StartDelay: tt.delay}
			got, err := c.StartTime(now)
			var fe *FieldError
			switch {
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("got %v, %v; want a %s error", got, err, tt.field)
			case tt.field == "" && (err != nil || !got.Equal(tt.want)):
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
