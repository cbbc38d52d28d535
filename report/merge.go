package report

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Merge combines the results of several clients that loaded at the same
// time into one, exactly where the inputs allow it:
//
//   - histograms are added from their encoded form, so percentiles are those
//     of all requests together, not averages of percentiles;
//   - totals, error and status counts are summed, so the accounting
//     identity of Totals holds in the merge when it holds in every input
//     (beside open-loop inputs, a closed-loop input's started requests
//     count as scheduled: a note says so);
//   - each error class's onset is the earliest by wall clock (started_at +
//     at_s), re-expressed from the merged start, the earliest input's start;
//     its requests_ok_before and connections_before are those the client
//     that saw it first had counted;
//   - throughput is recomputed over the merged wall span, from the earliest
//     start to the latest end;
//   - timelines are aligned by wall clock: every input interval falls, by its
//     midpoint, into a bucket of the first input's interval length. Counts
//     are summed; TIME_WAIT and ESTABLISHED are summed over the inputs (each
//     client counts its own namespace); p50/p99 are kept only where a single
//     input interval fills a bucket, as interval histograms are not stored.
//   - every input stays visible as a Part (its label, shard, totals and own
//     onsets); the parts of an input that was a merge itself carry over;
//   - shards of one load (portlab load --shard) are checked as a set: a
//     shard given twice, or shards of different counts, are refused; missing
//     shards are merged with a note that names them (checkShards).
//
// Inputs must share one schema version and portlab's histogram bounds. The
// merged environment is the first input's; what describes one run alone
// (prediction, checks, listen probe, expectations) does not carry over.
// Merge never modifies its inputs.
func Merge(rs ...*Result) (*Result, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("no results to merge")
	}
	if err := sameSchema(rs); err != nil {
		return nil, err
	}
	for i, r := range rs {
		if err := r.validate(false); err != nil { // a file's was checked whole when read
			return nil, inputErr(rs, i, err)
		}
	}
	latency, err := mergeLatencies(rs)
	if err != nil {
		return nil, err
	}
	ps := parts(rs)
	shardNote, err := checkShards(rs, ps)
	if err != nil {
		return nil, err
	}
	start, end := span(rs)
	every := intervalOf(rs[0])
	if err := fitsOneTimeline(rs, start, every); err != nil {
		return nil, err
	}
	m := &Result{
		SchemaVersion: SchemaVersion,
		Tool:          rs[0].Tool,
		Target:        joinDistinct(rs, ", ", func(r *Result) string { return r.Target }),
		StartedAt:     start,
		ElapsedS:      end.Sub(start).Seconds(),
		StopReason:    lastToEnd(rs).StopReason,
		Environment:   rs[0].Environment,
		Errors:        map[string]int64{},
		Onset:         map[string]Onset{},
		Sockets:       sumSockets(rs),
		Latency:       latency,
		Client:        sumClients(rs),
		Parts:         ps,
	}
	m.Label, m.Strategy = names(rs)
	configs := addInputs(m, rs)
	m.Status = sumStatus(rs)
	m.WindDownS = windDown(rs, end)
	mergeOnsets(m, rs)
	if m.ElapsedS > 0 {
		m.Throughput.RequestsPerS = float64(m.Totals.RequestsOK) / m.ElapsedS
		m.Throughput.ConnectionsPerS = float64(m.Totals.ConnectionsOpened) / m.ElapsedS
	}
	m.Timeline = mergeTimelines(rs, start, end, every)
	m.Config = &RunConfig{Merged: configs}
	m.Config.Interval = every
	m.Notes = mergeNotes(rs, start)
	if shardNote != "" {
		m.Notes = append([]string{shardNote}, m.Notes...)
	}
	return m, nil
}

// mergeLatencies adds up each of the inputs' three histograms.
func mergeLatencies(rs []*Result) (Latencies, error) {
	var latency Latencies
	for _, pick := range []func(*Latencies) *Histogram{
		func(l *Latencies) *Histogram { return &l.Connect },
		func(l *Latencies) *Histogram { return &l.RoundTrip },
		func(l *Latencies) *Histogram { return &l.Total },
	} {
		var err error
		if *pick(&latency), err = mergeHistograms(rs, pick); err != nil {
			return Latencies{}, err
		}
	}
	return latency, nil
}

// names are a merge's label and strategy: the inputs' distinct ones (a
// shard's label without its shard), or the whole load's strategy when
// the inputs are exactly its shards.
func names(rs []*Result) (label, strategy string) {
	label = joinDistinct(rs, "+", baseLabel)
	if label == "" {
		label = "merged"
	}
	if strategy = wholeStrategy(rs); strategy == "" {
		strategy = joinDistinct(rs, "; ", func(r *Result) string { return r.Strategy })
	}
	return label, strategy
}

// addInputs adds the inputs' counters and errors into m and returns their
// configurations, in input order.
func addInputs(m *Result, rs []*Result) []*RunConfig {
	var configs []*RunConfig
	anyOpen := slices.ContainsFunc(rs, openLoop)
	for _, r := range rs {
		m.Interrupted = m.Interrupted || r.Interrupted
		t := r.Totals
		if anyOpen && !openLoop(r) {
			// Beside open-loop inputs, a closed loop's requests count as
			// scheduled when started: it intended exactly those, so the
			// merge keeps scheduled = started + unsent.
			t.RequestsScheduled = t.RequestsStarted
		}
		m.Totals = addTotals(m.Totals, t)
		for class, n := range r.Errors {
			m.Errors[class] += n
		}
		configs = append(configs, r.Config)
	}
	return configs
}

// addTotals adds every counter: sums keep the accounting identity
// (started = ok + failed + incomplete, scheduled = started + unsent) of
// inputs that obey it.
func addTotals(a, b Totals) Totals {
	a.RequestsStarted += b.RequestsStarted
	a.RequestsOK += b.RequestsOK
	a.RequestsFailed += b.RequestsFailed
	a.RequestsIncomplete += b.RequestsIncomplete
	a.RequestsScheduled += b.RequestsScheduled
	a.RequestsUnsent += b.RequestsUnsent
	a.ConnectionsOpened += b.ConnectionsOpened
	a.BytesSent += b.BytesSent
	a.BytesReceived += b.BytesReceived
	return a
}

// sumStatus adds up the HTTP status counts; nil when no input has one.
func sumStatus(rs []*Result) map[string]int64 {
	var sum map[string]int64
	for _, r := range rs {
		for code, n := range r.Status {
			if sum == nil {
				sum = map[string]int64{}
			}
			sum[code] += n
		}
	}
	return sum
}

// windDown is how long after the merged window's end the last input
// finished winding down.
func windDown(rs []*Result, end time.Time) float64 {
	var last time.Duration
	for _, r := range rs {
		last = max(last, r.StartedAt.Add(seconds(r.ElapsedS+r.WindDownS)).Sub(end))
	}
	return last.Seconds()
}

func sameSchema(rs []*Result) error {
	for i, r := range rs {
		v := r.SchemaVersion
		if v == 0 { // built in memory, not yet marshaled
			v = SchemaVersion
		}
		if v != SchemaVersion {
			return &InputError{Input: i + 1, Err: fmt.Errorf("%s has schema_version %d, not %d: results of different schema versions do not merge",
				inputName(r, i), v, SchemaVersion)}
		}
	}
	return nil
}

// inputErr is err as an *InputError naming merge input i.
func inputErr(rs []*Result, i int, err error) *InputError {
	ie := *asInputError(err)
	ie.Path, ie.Input = inputName(rs[i], i), i+1
	return &ie
}

// fitsOneTimeline refuses inputs too far apart to merge: the merged span
// must stay within MaxSpan and its timeline within MaxMergedIntervals of
// the first input's interval. (Inputs are validated, so every offset in
// them lies within elapsed_s + wind_down_s + one interval of their start.)
func fitsOneTimeline(rs []*Result, start time.Time, every time.Duration) error {
	last, lastEnd := 0, start
	for i, r := range rs {
		end := r.StartedAt.Add(seconds(r.ElapsedS+r.WindDownS) + intervalOf(r))
		if end.After(lastEnd) {
			last, lastEnd = i, end
		}
	}
	span := lastEnd.Sub(start)
	if span > MaxSpan {
		return inputErr(rs, last, fieldErr("started_at", "ends %s after the earliest input starts, more than a merge spans (%s): merge the results of clients that ran at the same time",
			span.Round(time.Second), MaxSpan))
	}
	if n := int64(span/every) + 1; n > MaxMergedIntervals {
		return inputErr(rs, 0, fieldErr("config.interval_ns", "%d: the merged timeline would need %d intervals of %s over %s, more than %d",
			every.Nanoseconds(), n, every, span.Round(time.Millisecond), MaxMergedIntervals))
	}
	return nil
}

// inputName is how merge errors and notes refer to an input.
func inputName(r *Result, i int) string {
	if r.Label != "" {
		return fmt.Sprintf("%q", r.Label)
	}
	return fmt.Sprintf("input #%d", i+1)
}

func span(rs []*Result) (start, end time.Time) {
	for i, r := range rs {
		e := r.StartedAt.Add(seconds(r.ElapsedS))
		if i == 0 || r.StartedAt.Before(start) {
			start = r.StartedAt
		}
		if i == 0 || e.After(end) {
			end = e
		}
	}
	return start, end
}

func lastToEnd(rs []*Result) *Result {
	last := rs[0]
	for _, r := range rs[1:] {
		if r.StartedAt.Add(seconds(r.ElapsedS)).After(last.StartedAt.Add(seconds(last.ElapsedS))) {
			last = r
		}
	}
	return last
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// joinDistinct joins the distinct non-empty values of field, in input order.
func joinDistinct(rs []*Result, sep string, field func(*Result) string) string {
	var vals []string
	for _, r := range rs {
		if v := field(r); v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, sep)
}

func mergeOnsets(m *Result, rs []*Result) {
	first := map[string]time.Time{}
	for _, r := range rs {
		for class, o := range r.Onset {
			at := r.StartedAt.Add(seconds(o.AtS))
			if t, seen := first[class]; seen && !at.Before(t) {
				continue
			}
			first[class] = at
			o.AtS = at.Sub(m.StartedAt).Seconds()
			m.Onset[class] = o
		}
	}
}

// mergeHistograms adds up one histogram of every input.
func mergeHistograms(rs []*Result, pick func(*Latencies) *Histogram) (Histogram, error) {
	sum := NewHDR()
	for i, r := range rs {
		s := *pick(&r.Latency)
		h, err := s.Decode()
		if err != nil {
			return Histogram{}, inputErr(rs, i, err)
		}
		if s.HDR != "" && !sameBounds(h, sum) {
			return Histogram{}, inputErr(rs, i, fmt.Errorf("histogram bounds %d..%d µs with %d significant figures differ from portlab's %d..%d µs with %d: they cannot be added exactly",
				h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures(),
				sum.LowestTrackableValue(), sum.HighestTrackableValue(), sum.SignificantFigures()))
		}
		sum.Merge(h)
	}
	return Summarize(sum)
}

func sameBounds(a, b *hdrhistogram.Histogram) bool {
	return a.LowestTrackableValue() == b.LowestTrackableValue() &&
		a.HighestTrackableValue() == b.HighestTrackableValue() &&
		a.SignificantFigures() == b.SignificantFigures()
}

// intervalOf returns a result's timeline interval: from its config where it
// has one (the engine's interval_ns), else the first interval's end.
func intervalOf(r *Result) time.Duration {
	if r.Config != nil && r.Config.Interval > 0 {
		return r.Config.Interval
	}
	if len(r.Timeline) > 0 && r.Timeline[0].TS*1e9 >= float64(MinInterval) && r.Timeline[0].TS <= MaxInterval.Seconds() {
		return seconds(r.Timeline[0].TS)
	}
	return time.Second
}

// bucket accumulates the input intervals that fall into one merged interval.
type bucket struct {
	Interval
	entries int
	sockets map[int]Interval // latest socket sample per input
}

func mergeTimelines(rs []*Result, start, end time.Time, every time.Duration) []Interval {
	var buckets []*bucket
	for i, r := range rs {
		prev := 0.0
		for _, iv := range r.Timeline {
			mid := r.StartedAt.Add(seconds((prev + iv.TS) / 2))
			prev = iv.TS
			k := int(mid.Sub(start) / every)
			if k < 0 || k >= MaxMergedIntervals { // refused by Merge before
				continue
			}
			for len(buckets) <= k {
				buckets = append(buckets, &bucket{Interval: Interval{Errors: map[string]int64{}}, sockets: map[int]Interval{}})
			}
			b := buckets[k]
			b.entries++
			b.RequestsOK += iv.RequestsOK
			b.ConnectionsOpened += iv.ConnectionsOpened
			for class, n := range iv.Errors {
				b.Errors[class] += n
			}
			b.P50US, b.P99US = iv.P50US, iv.P99US
			if iv.TimeWait >= 0 || iv.Established >= 0 {
				b.sockets[i] = iv
			}
		}
	}
	elapsed := end.Sub(start).Seconds()
	out := make([]Interval, 0, len(buckets))
	for k, b := range buckets {
		iv := b.Interval
		iv.TS = min(float64(k+1)*every.Seconds(), elapsed)
		if b.entries != 1 {
			iv.P50US, iv.P99US = 0, 0
		}
		iv.TimeWait, iv.Established = sumSampled(b.sockets)
		out = append(out, iv)
	}
	return out
}

// sumSampled adds up the inputs' socket counts; -1 where none was read.
func sumSampled(samples map[int]Interval) (timeWait, established int) {
	timeWait, established = -1, -1
	add := func(sum *int, n int) {
		if n >= 0 {
			*sum = max(*sum, 0) + n
		}
	}
	for _, s := range samples {
		add(&timeWait, s.TimeWait)
		add(&established, s.Established)
	}
	return timeWait, established
}

// sumSockets adds up the inputs' final socket tables, when every input has
// one.
func sumSockets(rs []*Result) *Sockets {
	sum := &Sockets{States: map[string]int{}}
	for _, r := range rs {
		s := r.Sockets
		if s == nil {
			return nil
		}
		for state, n := range s.States {
			sum.States[state] += n
		}
		sum.TimeWaitClient += s.TimeWaitClient
		sum.TimeWaitServer += s.TimeWaitServer
		sum.TargetPortsHeld += s.TargetPortsHeld
	}
	return sum
}

// sumClients is what the merged clients cost together: their CPU time
// and the CPUs they kept busy add up (they ran side by side), CPU per
// request is over all their requests, and the peak RSS and the resident
// set at the end (whole, with its parts) are the largest client's.
// Without every input's cost there is none.
func sumClients(rs []*Result) *ClientCost {
	sum := &ClientCost{}
	var started int64
	for _, r := range rs {
		c := r.Client
		if c == nil {
			return nil
		}
		sum.CPUUserS += c.CPUUserS
		sum.CPUSysS += c.CPUSysS
		sum.CPUBusy += c.CPUBusy
		sum.MaxRSSKB = max(sum.MaxRSSKB, c.MaxRSSKB)
		if c.RSSKB > sum.RSSKB {
			sum.RSSKB, sum.RSSAnonKB, sum.RSSFileKB = c.RSSKB, c.RSSAnonKB, c.RSSFileKB
		}
		started += r.Totals.RequestsStarted
	}
	if started > 0 {
		sum.CPUPerRequestUS = (sum.CPUUserS + sum.CPUSysS) / float64(started) * 1e6
	}
	return sum
}

// environmentNote names the inputs that ran in another environment than
// the first, whose the merge shows: in one note, as the shards of a large
// Job, each in a namespace of its own, would otherwise fill the report.
func environmentNote(rs []*Result, names []string) string {
	var other []string
	for i, r := range rs[1:] {
		if !reflect.DeepEqual(r.Environment, rs[0].Environment) {
			other = append(other, names[i+1])
		}
	}
	const listed = 5
	switch {
	case len(other) == 0:
		return ""
	case len(other) == 1:
		return fmt.Sprintf("%s ran in a different environment from %s; the environment shown is %s's", other[0], names[0], names[0])
	case len(other) > listed:
		other = append(other[:listed], fmt.Sprintf("%d more", len(other)-listed))
	}
	return fmt.Sprintf("%s and %s ran in environments different from %s's; the environment shown is %s's",
		strings.Join(other[:len(other)-1], ", "), other[len(other)-1], names[0], names[0])
}

func mergeNotes(rs []*Result, start time.Time) []string {
	names := make([]string, len(rs))
	var spread time.Duration
	for i, r := range rs {
		names[i] = inputName(r, i)
		spread = max(spread, r.StartedAt.Sub(start))
	}
	notes := []string{fmt.Sprintf("merged from %d results (%s), started within %.3f s of each other",
		len(rs), strings.Join(names, ", "), spread.Seconds())}
	if note := environmentNote(rs, names); note != "" {
		notes = append(notes, note)
	}
	if note := gatewayNote(rs); note != "" {
		notes = append(notes, note)
	}
	closedLoop := func(r *Result) bool { return !openLoop(r) }
	if slices.ContainsFunc(rs, openLoop) && slices.ContainsFunc(rs, closedLoop) {
		notes = append(notes, "open- and closed-loop inputs: requests_scheduled counts the closed-loop inputs' started requests as scheduled, and requests_unsent the open-loop inputs' only")
	}
	if w := endingWarnings(rs, names); w != nil {
		notes = append(notes, w[0]+"; the merge shows the reason of the last to end")
	}
	for i, r := range rs {
		for _, n := range r.Notes {
			if len(r.Parts) > 0 && strings.HasPrefix(n, missingShards) {
				continue // judged anew over all the parts
			}
			notes = append(notes, names[i]+": "+n)
		}
	}
	return notes
}
