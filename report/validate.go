package report

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/portlab/portlab/config"
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

	// MaxGatewayAddresses bounds gateway.snat_addresses and
	// MaxGatewayClients gateway.clients: beyond the sandbox's own limits
	// (100 addresses, 64 clients), so that a later topology's results
	// still read, and small enough that the pool (addresses × ports ×
	// destinations) stays far within an int.
	MaxGatewayAddresses = 256
	MaxGatewayClients   = 256
	// MaxPort is the highest port number: gateway.port_min..port_max lie
	// within 1..MaxPort (both 0 where the range was not recorded).
	MaxPort = 65535
	// MaxParts bounds a merge's parts: every shard of the largest load
	// portlab shards (config.MaxShards). At about 400 bytes a part they fit
	// in MaxResultBytes; Merge refuses to make more.
	MaxParts = config.MaxShards
	// partSlack is how far, in seconds, a part's start and end may lie
	// outside the merged window: offsets are rounded to the nanosecond on
	// their way through float seconds.
	partSlack = 1e-3
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
	if err := r.validateShards(); err != nil {
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
	if err := r.validateGateway(); err != nil {
		return err
	}
	if err := r.Client.validate(); err != nil {
		return err
	}
	return r.validatePartTotals()
}

// validate refuses a client cost no process has: a negative or NaN
// figure, or a resident set smaller than its parts.
func (c *ClientCost) validate() error {
	if c == nil {
		return nil
	}
	for k, v := range map[string]float64{"cpu_user_s": c.CPUUserS, "cpu_sys_s": c.CPUSysS, "cpu_busy": c.CPUBusy, "cpu_per_request_us": c.CPUPerRequestUS} {
		if math.IsNaN(v) || v < 0 {
			return fieldErr("client."+k, "%g is not a CPU time (want >= 0)", v)
		}
	}
	if err := nonNegative("client", map[string]int64{"max_rss_kb": c.MaxRSSKB, "rss_kb": c.RSSKB, "rss_anon_kb": c.RSSAnonKB, "rss_file_kb": c.RSSFileKB}); err != nil {
		return err
	}
	if c.RSSAnonKB+c.RSSFileKB > c.RSSKB {
		return fieldErr("client.rss_kb", "%d kB, less than its parts rss_anon_kb %d + rss_file_kb %d", c.RSSKB, c.RSSAnonKB, c.RSSFileKB)
	}
	return nil
}

// validateCounts refuses negative counts and rates.
func (r *Result) validateCounts() error {
	if err := nonNegative("totals", totalsMap(r.Totals)); err != nil {
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
		if iv.Gateway != nil {
			if err := iv.Gateway.validate(field + ".gateway"); err != nil {
				return err
			}
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

// validateShard checks a shard as --shard would take it (config.ParseShard
// is the one definition of a shard's bounds): an index from 0 to count-1,
// a count from 1 to config.MaxShards.
func validateShard(field string, s *config.Shard) *InputError {
	if s == nil {
		return nil
	}
	if _, err := config.ParseShard(s.String()); err != nil {
		var fe *config.FieldError
		if errors.As(err, &fe) {
			err = errors.New(fe.Problem)
		}
		return fieldErr(field, "%v", err)
	}
	return nil
}

// validateShards checks the result's shard and its parts: at most
// MaxParts, each a run within the merged one, with a valid shard, counts
// that are not negative and onsets within the merged run. A merge (it has
// parts) is no single shard.
func (r *Result) validateShards() error {
	if err := validateShard("shard", r.Shard); err != nil {
		return err
	}
	if len(r.Parts) > MaxParts {
		return fieldErr("parts", "%d parts, more than a merge keeps (%d)", len(r.Parts), MaxParts)
	}
	if r.Shard != nil && len(r.Parts) > 0 {
		return fieldErr("shard", "%s, but the result is a merge of %d parts: a merge's parts name their shards", r.Shard, len(r.Parts))
	}
	// A part's onset lies within its own run, whose last interval may be
	// longer than the merged one's: up to MaxInterval past the wind-down.
	limit := r.ElapsedS + r.WindDownS + MaxInterval.Seconds()
	for i := range r.Parts {
		if err := r.validatePart(i, limit); err != nil {
			return err
		}
	}
	return nil
}

// validatePart checks part i of r's merge; limit bounds its onsets, in
// seconds from the merged start.
func (r *Result) validatePart(i int, limit float64) error {
	p, field := &r.Parts[i], fmt.Sprintf("parts[%d]", i)
	if err := validateShard(field+".shard", p.Shard); err != nil {
		return err
	}
	if p.StartedAt.IsZero() {
		return fieldErr(field+".started_at", "missing")
	}
	offset := p.StartedAt.Sub(r.StartedAt).Seconds()
	if offset < -partSlack || offset > r.ElapsedS+partSlack {
		return fieldErr(field+".started_at", "%s is outside the merged run (%s, %g s)",
			p.StartedAt.Format(time.RFC3339Nano), r.StartedAt.Format(time.RFC3339Nano), r.ElapsedS)
	}
	if e := p.ElapsedS; math.IsNaN(e) || e < 0 || offset+e > r.ElapsedS+partSlack {
		return fieldErr(field+".elapsed_s", "%g ends after the merged run (%g s after its start, the part %g s)", e, r.ElapsedS, offset)
	}
	if err := nonNegative(field+".totals", totalsMap(p.Totals)); err != nil {
		return err
	}
	if err := nonNegative(field+".errors", p.Errors); err != nil {
		return err
	}
	for class, o := range p.Onset {
		if math.IsNaN(o.AtS) || o.AtS < 0 || offset+o.AtS > limit+partSlack {
			return fieldErr(field+".onset."+class+".at_s", "%g is outside the merged run (the part starts %g s into it; its onsets end by %g s in: elapsed_s + wind_down_s + 24 h)", o.AtS, offset, limit)
		}
		if o.RequestsOKBefore < 0 || o.ConnectionsBefore < 0 {
			return fieldErr(field+".onset."+class, "negative count")
		}
	}
	return nil
}

// totalsMap is t's counters by their JSON names.
func totalsMap(t Totals) map[string]int64 {
	return map[string]int64{
		"requests_started": t.RequestsStarted, "requests_ok": t.RequestsOK,
		"requests_failed": t.RequestsFailed, "requests_incomplete": t.RequestsIncomplete,
		"requests_scheduled": t.RequestsScheduled, "requests_unsent": t.RequestsUnsent,
		"connections_opened": t.ConnectionsOpened, "bytes_sent": t.BytesSent,
		"bytes_received": t.BytesReceived,
	}
}

// validatePartTotals checks that a merge's parts add up to its totals and
// errors, as Merge sums them: every counter but requests_scheduled, which
// Merge fills from a closed loop's started requests beside open-loop
// inputs (the parts keep each run's own).
func (r *Result) validatePartTotals() error {
	if len(r.Parts) == 0 {
		return nil
	}
	sum, errs := map[string]int64{}, map[string]int64{}
	for _, p := range r.Parts {
		// Parts are not negative (validateShards), so a sum that wraps
		// is one no merge wrote.
		for k, n := range totalsMap(p.Totals) {
			if sum[k] += n; sum[k] < 0 {
				return fieldErr("parts", "totals.%s: the parts' sum overflows", k)
			}
		}
		for k, n := range p.Errors {
			if errs[k] += n; errs[k] < 0 {
				return fieldErr("parts", "errors.%s: the parts' sum overflows", k)
			}
		}
	}
	for k, n := range totalsMap(r.Totals) {
		if k != "requests_scheduled" && sum[k] != n {
			return fieldErr("totals."+k, "%d, but the %d parts add up to %d: a merge sums its parts", n, len(r.Parts), sum[k])
		}
	}
	for _, k := range sortedKeys(errs, r.Errors) {
		if errs[k] != r.Errors[k] {
			return fieldErr("errors."+k, "%d, but the %d parts add up to %d: a merge sums its parts", r.Errors[k], len(r.Parts), errs[k])
		}
	}
	return nil
}

// sortedKeys are the keys of a and b, once each, in order, so that the
// first mismatch named is the same on every read.
func sortedKeys(a, b map[string]int64) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// ConntrackTCPStates are the kernel's TCP conntrack states (enum
// tcp_conntrack) by number, the names a gateway sample's states use; a
// number beyond them is named "STATE_N". internal/conntrack, which names
// them when it samples, is held to this list by its test (report imports
// no platform code).
var ConntrackTCPStates = []string{"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"}

// conntrackStates are the names a gateway sample's states may have.
var conntrackStates = func() map[string]bool {
	m := map[string]bool{}
	for s := range 256 {
		name := "STATE_" + strconv.Itoa(s)
		if s < len(ConntrackTCPStates) {
			name = ConntrackTCPStates[s]
		}
		m[name] = true
	}
	return m
}()

// validate checks a gateway sample: counts that are not negative and TCP
// states conntrack names.
func (s *GatewaySample) validate(field string) error {
	if s.Entries < 0 {
		return fieldErr(field+".entries", "negative count %d", s.Entries)
	}
	for _, c := range []struct {
		name string
		n    int64
	}{{"insert_failed", s.InsertFailed}, {"drop", s.Drop}, {"early_drop", s.EarlyDrop}} {
		if c.n < 0 {
			return fieldErr(field+"."+c.name, "negative count %d", c.n)
		}
	}
	if len(s.States) > len(conntrackStates) {
		return fieldErr(field+".states", "%d states; conntrack has %d TCP states", len(s.States), len(conntrackStates))
	}
	for state, n := range s.States {
		if !conntrackStates[state] {
			return fieldErr(field+".states", "%q is not a TCP conntrack state (%s, ...)", state, "ESTABLISHED, TIME_WAIT, SYN_SENT")
		}
		if n < 0 {
			return fieldErr(field+".states."+state, "negative count %d", n)
		}
	}
	return nil
}

// validateGateway checks the NAT gateway and the SNAT pool predicted for
// it: at most MaxGatewayAddresses distinct IP addresses, a port range
// within 1..MaxPort (or none), counts that are not negative, and no more
// flows established, or predicted, than the pool translates.
func (r *Result) validateGateway() error {
	flows := int64(0)
	if r.Prediction != nil {
		flows = r.Prediction.SNATPoolFlows
	}
	g := r.Gateway
	if g == nil {
		if flows != 0 {
			return fieldErr("prediction.snat_pool_flows", "%d, but the result has no gateway", flows)
		}
		return nil
	}
	if err := g.validate(); err != nil {
		return err
	}
	pool := int64(r.SNATFlows())
	if flows < 0 || pool > 0 && flows > pool {
		return fieldErr("prediction.snat_pool_flows", "%d is outside 0..%d, the gateway's pool (%s)", flows, pool, r.PoolText())
	}
	if pool > 0 && int64(g.PeakEstablished) > pool {
		return fieldErr("gateway.peak_established", "%d, more flows than the SNAT pool translates (%s)", g.PeakEstablished, r.PoolText())
	}
	return nil
}

// validate checks a gateway's own fields.
func (g *Gateway) validate() error {
	if n := len(g.SNATAddresses); n > MaxGatewayAddresses {
		return fieldErr("gateway.snat_addresses", "%d addresses, more than %d", n, MaxGatewayAddresses)
	}
	seen := make(map[netip.Addr]int, len(g.SNATAddresses))
	for i, a := range g.SNATAddresses {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return fieldErr(fmt.Sprintf("gateway.snat_addresses[%d]", i), "%q is not an IP address", a)
		}
		if j, dup := seen[ip]; dup {
			return fieldErr(fmt.Sprintf("gateway.snat_addresses[%d]", i), "%s is also snat_addresses[%d]", a, j)
		}
		seen[ip] = i
	}
	if g.PortMin != 0 || g.PortMax != 0 {
		if g.PortMin < 1 || g.PortMin > MaxPort {
			return fieldErr("gateway.port_min", "%d is outside 1..%d", g.PortMin, MaxPort)
		}
		if g.PortMax < g.PortMin || g.PortMax > MaxPort {
			return fieldErr("gateway.port_max", "%d is outside port_min..%d (%d..%d)", g.PortMax, MaxPort, g.PortMin, MaxPort)
		}
	}
	if g.Clients < 0 || g.Clients > MaxGatewayClients {
		return fieldErr("gateway.clients", "%d is outside 0..%d", g.Clients, MaxGatewayClients)
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"conntrack_max", g.ConntrackMax}, {"conntrack_time_wait_s", g.ConntrackTimeWaitS},
		{"conntrack_established_s", g.ConntrackEstablishedS}, {"peak_established", g.PeakEstablished}} {
		if c.n < 0 {
			return fieldErr("gateway."+c.name, "negative count %d", c.n)
		}
	}
	return g.End.validate("gateway.end")
}
