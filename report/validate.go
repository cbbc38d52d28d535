package report

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Bounds a result must keep to be read. They are far beyond any run
// portlab makes and close enough that no value within them makes a reader
// or a merge allocate or loop without limit.
const (
	// MaxResultBytes is the largest result file read: a 24 h run with a
	// timeline at 100 ms intervals is under 20 MiB.
	MaxResultBytes = 64 << 20
	// MaxSpan bounds elapsed_s, wind_down_s and a merge's span (7 days).
	MaxSpan = 7 * 24 * time.Hour
	// MinInterval and MaxInterval bound config.interval_ns.
	MinInterval = time.Millisecond
	MaxInterval = 24 * time.Hour
	// MaxMergedIntervals bounds the timeline a merge builds, so that the
	// merged result (about 200 bytes an interval) stays well within
	// MaxResultBytes and merges in well under a second.
	MaxMergedIntervals = 200_000
)

// The started_at a result may have: a run before 2000 or after 2100 is a
// corrupt or hand-made file, not a measurement.
var (
	earliestStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestStart   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// InputError is a result that cannot be used as one: its file is not a
// regular file, too large, not a portlab result, or holds an impossible
// value; or, in a merge, inputs that do not go together. The user fixes it
// before running again (the CLI exits 2).
type InputError struct {
	// Path names the file, or in a merge the input (its label); empty for
	// a result decoded from memory.
	Path string
	// Input is a merge input's position, from 1; 0 outside a merge.
	Input int
	// File is a merge input's file, where the caller knows it.
	File string
	// Field is the JSON path of the offending value, such as
	// "timeline[3].t_s"; empty when the whole file is at fault.
	Field string
	Err   error
}

func (e *InputError) Error() string {
	s := e.Err.Error()
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Path != "" {
		s = e.Path + ": " + s
	}
	if e.File != "" && e.File != e.Path {
		s += " (in " + e.File + ")"
	}
	return s
}

func (e *InputError) Unwrap() error { return e.Err }

// fieldErr returns an InputError for field.
func fieldErr(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Validate checks that r holds only values a run can produce: counts that
// are not negative, histograms that agree with their summaries and with
// the totals they record, timeline offsets and onsets within the run, a
// start between 2000 and 2100 and an interval of at least 1 ms. The error
// is an *InputError naming the field.
func (r *Result) Validate() error { return r.validate(true) }

// validate checks r; a result built in memory (whole is false) is only
// checked for what would make a merge misbehave: its start, spans and
// offsets, and an interval where it has one.
func (r *Result) validate(whole bool) error {
	if r.StartedAt.IsZero() {
		return fieldErr("started_at", "missing")
	}
	if r.StartedAt.Before(earliestStart) || !r.StartedAt.Before(latestStart) {
		return fieldErr("started_at", "%s is not a plausible start (want a time in 2000..2099)", r.StartedAt.Format(time.RFC3339))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"elapsed_s", r.ElapsedS}, {"wind_down_s", r.WindDownS}} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > MaxSpan.Seconds() {
			return fieldErr(f.name, "%g is outside 0..%g s", f.v, MaxSpan.Seconds())
		}
	}
	if err := validateConfig("config", r.Config, whole); err != nil {
		return err
	}
	// An offset may reach one interval past the wind-down: the last
	// interval is stamped with its end.
	limit := r.ElapsedS + r.WindDownS + intervalOf(r).Seconds()
	for class, o := range r.Onset {
		if math.IsNaN(o.AtS) || o.AtS < 0 || o.AtS > limit {
			return fieldErr("onset."+class+".at_s", "%g is outside the run (0..%g s)", o.AtS, limit)
		}
	}
	if err := r.validateTimeline(limit); err != nil || !whole {
		return err
	}
	if err := r.validateCounts(); err != nil {
		return err
	}
	if err := r.validateLatency(); err != nil {
		return err
	}
	if s := r.Sockets; s != nil {
		for state, n := range s.States {
			if n < 0 {
				return fieldErr("sockets.states."+state, "negative count %d", n)
			}
		}
		if s.TimeWaitClient < 0 || s.TimeWaitServer < 0 || s.TargetPortsHeld < 0 {
			return fieldErr("sockets", "negative count")
		}
	}
	return nil
}

// validateCounts refuses negative counts and rates.
func (r *Result) validateCounts() error {
	if err := nonNegative("totals", map[string]int64{
		"requests_started": r.Totals.RequestsStarted, "requests_ok": r.Totals.RequestsOK,
		"requests_failed": r.Totals.RequestsFailed, "requests_incomplete": r.Totals.RequestsIncomplete,
		"requests_scheduled": r.Totals.RequestsScheduled, "requests_unsent": r.Totals.RequestsUnsent,
		"connections_opened": r.Totals.ConnectionsOpened, "bytes_sent": r.Totals.BytesSent,
		"bytes_received": r.Totals.BytesReceived,
	}); err != nil {
		return err
	}
	if err := nonNegative("errors", r.Errors); err != nil {
		return err
	}
	if err := nonNegative("status", r.Status); err != nil {
		return err
	}
	if r.Throughput.RequestsPerS < 0 || r.Throughput.ConnectionsPerS < 0 {
		return fieldErr("throughput", "negative rate")
	}
	for class, o := range r.Onset {
		if o.RequestsOKBefore < 0 || o.ConnectionsBefore < 0 {
			return fieldErr("onset."+class, "negative count")
		}
	}
	return nil
}

// validateLatency checks each histogram's own consistency and its count
// against the totals it records.
func (r *Result) validateLatency() error {
	for _, h := range []struct {
		name  string
		h     Histogram
		total int64
		of    string
	}{
		{"latency.connect", r.Latency.Connect, r.Totals.ConnectionsOpened, "totals.connections_opened"},
		{"latency.round_trip", r.Latency.RoundTrip, r.Totals.RequestsOK, "totals.requests_ok"},
		{"latency.total", r.Latency.Total, r.Totals.RequestsOK, "totals.requests_ok"},
	} {
		if err := h.h.validate(); err != nil {
			err.Field = h.name + "." + err.Field
			return err
		}
		// Every connection opened records its connect time, every
		// request answered its round trip and total, so each histogram
		// counts exactly those. An empty one with answers to count is a
		// hand-made or truncated file: a merge of it would not read back.
		if h.h.Count != h.total {
			return fieldErr(h.name+".count", "%d values, but %s is %d: the histogram records one per %s",
				h.h.Count, h.of, h.total, map[bool]string{true: "connection", false: "answered request"}[h.name == "latency.connect"])
		}
	}
	return nil
}

func (r *Result) validateTimeline(limit float64) error {
	prev := 0.0
	for i, iv := range r.Timeline {
		field := fmt.Sprintf("timeline[%d]", i)
		if math.IsNaN(iv.TS) || iv.TS < 0 || iv.TS > limit {
			return fieldErr(field+".t_s", "%g is outside the run (0..%g s: elapsed_s + wind_down_s + one interval)", iv.TS, limit)
		}
		if iv.TS < prev {
			return fieldErr(field+".t_s", "%g is before the previous interval's %g", iv.TS, prev)
		}
		prev = iv.TS
		if iv.RequestsOK < 0 || iv.ConnectionsOpened < 0 || iv.P50US < 0 || iv.P99US < 0 {
			return fieldErr(field, "negative count")
		}
		if iv.TimeWait < -1 || iv.Established < -1 {
			return fieldErr(field, "socket counts below -1 (unread)")
		}
		if err := nonNegative(field+".errors", iv.Errors); err != nil {
			return err
		}
	}
	return nil
}

// validateConfig checks a run's interval, and those of a merge's inputs.
func validateConfig(field string, c *RunConfig, whole bool) error {
	if c == nil || !whole && c.Interval == 0 {
		return nil
	}
	if c.Interval < MinInterval || c.Interval > MaxInterval {
		return fieldErr(field+".interval_ns", "%d is outside %d..%d (1 ms..24 h)", c.Interval.Nanoseconds(), MinInterval.Nanoseconds(), MaxInterval.Nanoseconds())
	}
	for i, m := range c.Merged {
		if err := validateConfig(fmt.Sprintf("%s.merged[%d]", field, i), m, whole); err != nil {
			return err
		}
	}
	return nil
}

func nonNegative(field string, counts map[string]int64) error {
	for k, n := range counts {
		if n < 0 {
			return fieldErr(field+"."+k, "negative count %d", n)
		}
	}
	return nil
}

// validate checks a histogram's own consistency: a count that is not
// negative and, where the full histogram is there, equals it.
func (s Histogram) validate() *InputError {
	if s.Count < 0 {
		return fieldErr("count", "negative count %d", s.Count)
	}
	h, err := s.Decode()
	if err != nil {
		return fieldErr("hdr", "%v", err)
	}
	if s.HDR != "" && h.TotalCount() != s.Count {
		return fieldErr("count", "%d, but the hdr histogram holds %d values", s.Count, h.TotalCount())
	}
	return nil
}

// asInputError returns err as an *InputError, wrapping it without a field
// when it is not one.
func asInputError(err error) *InputError {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie
	}
	return &InputError{Err: err}
}
