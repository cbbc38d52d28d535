package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/portlab/portlab/config"
)

// SchemaVersion is the version of the result JSON this package writes.
// Readers refuse other versions rather than misread them.
const SchemaVersion = 1

// Result is one run's measurement. Every reporter consumes this type.
type Result struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	Label         string `json:"label"`
	// Target and Strategy repeat the essentials of Config in words every
	// reporter can show without knowing the engine's config type.
	Target    string    `json:"target"`
	Strategy  string    `json:"strategy"`
	StartedAt time.Time `json:"started_at"`
	// ElapsedS is the measured window: from the first request to the last
	// completion or the deadline, whichever is earlier. Rates use it.
	ElapsedS float64 `json:"elapsed_s"`
	// WindDownS is what followed the window: the grace for requests in
	// flight, closing connections, the final socket sample.
	WindDownS   float64     `json:"wind_down_s"`
	Interrupted bool        `json:"interrupted"`
	StopReason  StopReason  `json:"stop_reason"`
	Config      *RunConfig  `json:"config"`
	Environment Environment `json:"environment"`
	Totals      Totals      `json:"totals"`
	// Errors counts failed requests per class; empty, never nil, when none.
	Errors map[string]int64 `json:"errors"`
	// Status counts HTTP responses by status code ("200", "501"), answered
	// or not; empty for other protocols.
	Status map[string]int64 `json:"status,omitempty"`
	// Onset records when each error class first appeared; empty when none.
	Onset      map[string]Onset `json:"onset"`
	Throughput Throughput       `json:"throughput"`
	Latency    Latencies        `json:"latency"`
	Timeline   []Interval       `json:"timeline"`
	// Prediction is what theory expected of a sandbox run, computed
	// before it started; Checks compare it with what was measured.
	Prediction *Prediction `json:"prediction,omitempty"`
	Checks     []Check     `json:"checks,omitempty"`
	// Sockets is the namespace's socket table when the run ended.
	Sockets *Sockets `json:"sockets,omitempty"`
	// ListenProbe is a scenario's attempt to start a server after the load.
	ListenProbe *ListenProbe `json:"listen_probe,omitempty"`
	// Expectations are a scenario's expect entries, checked.
	Expectations []Expectation `json:"expectations,omitempty"`
	// Notes are plain-language remarks the engine wants a reader to see,
	// such as why a run stopped early.
	Notes []string `json:"notes,omitempty"`

	// Client is what the run cost portlab's own process; absent from
	// results that did not measure it.
	Client *ClientCost `json:"client,omitempty"`

	// Gateway is the NAT gateway the run's connections crossed (topology
	// nat); absent otherwise.
	Gateway *Gateway `json:"gateway,omitempty"`

	// Shard is which of several processes that ran one load together
	// this result is (portlab load --shard); Config then holds its share.
	// Absent from a whole load's result and from a merge, whose Parts
	// name theirs.
	Shard *config.Shard `json:"shard,omitempty"`
	// Parts are a merge's inputs, in input order (an input that was a
	// merge itself gives its own parts): each one's label, shard, totals
	// and onsets, so that what every shard or client saw stays visible
	// beside the sums. Absent from a single run's result.
	Parts []Part `json:"parts,omitempty"`
}

// Part is one input of a merge, as the merged result keeps it. Its onsets
// are its own: at_s counts from its own started_at.
type Part struct {
	Label      string           `json:"label"`
	Shard      *config.Shard    `json:"shard,omitempty"`
	StartedAt  time.Time        `json:"started_at"`
	ElapsedS   float64          `json:"elapsed_s"`
	StopReason StopReason       `json:"stop_reason"`
	Totals     Totals           `json:"totals"`
	Errors     map[string]int64 `json:"errors"`
	Onset      map[string]Onset `json:"onset"`
}

// Gateway is a source-NAT gateway between the client hosts and the server:
// its pool of translated (address, port) pairs and its conntrack table,
// sampled like the client's sockets.
type Gateway struct {
	// SNATAddresses are the outside addresses connections are translated
	// to; each has the ports PortMin..PortMax toward each destination.
	SNATAddresses []string `json:"snat_addresses"`
	PortMin       int      `json:"port_min"`
	PortMax       int      `json:"port_max"`
	// Clients is how many client hosts share the gateway.
	Clients int `json:"clients"`
	// ConntrackMax is the gateway's net.netfilter.nf_conntrack_max.
	ConntrackMax int `json:"conntrack_max"`
	// ConntrackTimeWaitS and ConntrackEstablishedS are the gateway's
	// conntrack TCP timeouts of those states, in seconds.
	ConntrackTimeWaitS    int `json:"conntrack_time_wait_s,omitempty"`
	ConntrackEstablishedS int `json:"conntrack_established_s,omitempty"`
	// End is the gateway's state when the run ended.
	End GatewaySample `json:"end"`
	// PeakEstablished is the most flows the gateway's samples saw
	// established at once: what the SNAT pool held, whatever each client
	// counted.
	PeakEstablished int `json:"peak_established"`
}

// GatewaySample is a gateway's conntrack table and counters at one
// instant. The counters are cumulative since the gateway started.
type GatewaySample struct {
	// Entries counts conntrack entries; States splits the TCP ones by
	// state ("ESTABLISHED", "TIME_WAIT", "SYN_SENT", ...).
	Entries int            `json:"entries"`
	States  map[string]int `json:"states,omitempty"`
	// InsertFailed, Drop and EarlyDrop are the kernel's conntrack
	// statistics of those names, summed over CPUs.
	InsertFailed int64 `json:"insert_failed"`
	Drop         int64 `json:"drop"`
	EarlyDrop    int64 `json:"early_drop"`
}

// RunConfig is what a result was measured with: the load's knobs or, for
// a merge of several clients' results, each input's (Merged) and the
// merged timeline's Interval.
type RunConfig struct {
	config.Load
	Merged []*RunConfig
}

// mergedJSON is a merge's configuration as results store it.
type mergedJSON struct {
	IntervalNS int64        `json:"interval_ns"`
	Merged     []*RunConfig `json:"merged"`
}

// MarshalJSON writes the load's knobs as config.Load's JSON, or a merge's
// inputs under "merged". (A value receiver: a RunConfig is then a
// json.Marshaler, which result paths such as --fail-if's treat as opaque.)
func (c RunConfig) MarshalJSON() ([]byte, error) {
	if c.Merged != nil {
		return json.Marshal(mergedJSON{c.Interval.Nanoseconds(), c.Merged})
	}
	return json.Marshal(&c.Load)
}

// UnmarshalJSON reads what MarshalJSON wrote. A load's knobs are decoded
// over config.DefaultLoad, so a key an older portlab did not write keeps
// its default meaning.
func (c *RunConfig) UnmarshalJSON(b []byte) error {
	var probe struct {
		Merged json.RawMessage `json:"merged"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if len(probe.Merged) > 0 && !bytes.Equal(probe.Merged, []byte("null")) {
		var m mergedJSON
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		*c = RunConfig{Merged: m.Merged}
		c.Interval = time.Duration(m.IntervalNS)
		return nil
	}
	*c = RunConfig{Load: config.DefaultLoad()}
	return json.Unmarshal(b, &c.Load)
}

// Tool names the program that wrote a result.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// StopReason says why a run ended.
type StopReason string

// The reasons a run stops.
const (
	StopDuration StopReason = "duration"
	StopRequests StopReason = "requests"
	StopOnset    StopReason = "onset"
	StopSignal   StopReason = "signal"
	StopError    StopReason = "error"
)

// Environment describes the machine and the network namespace a run saw.
type Environment struct {
	OS        string `json:"os"`
	Kernel    string `json:"kernel"`
	GoVersion string `json:"go_version"`
	CPUs      int    `json:"cpus"`
	Netns     string `json:"netns"` // "host" or "sandbox"
	// Topology is the sandbox's: "loopback" (one namespace) or "two-hosts".
	Topology             string            `json:"topology,omitempty"`
	IPLocalPortRange     [2]int            `json:"ip_local_port_range"`
	IPLocalReservedPorts string            `json:"ip_local_reserved_ports"`
	TCPTwReuse           int               `json:"tcp_tw_reuse"`
	TCPFinTimeout        int               `json:"tcp_fin_timeout"`
	Sysctls              map[string]string `json:"sysctls,omitempty"` // applied by the sandbox
}

// Totals are whole-run counters.
//
// Every request is accounted for:
//
//	RequestsStarted   = RequestsOK + RequestsFailed + RequestsIncomplete
//	RequestsScheduled = RequestsStarted + RequestsUnsent   (open loop only)
type Totals struct {
	// RequestsStarted counts the requests begun (a connection sought or a
	// byte sent for them); each ends OK, failed or incomplete.
	RequestsStarted int64 `json:"requests_started"`
	RequestsOK      int64 `json:"requests_ok"`
	RequestsFailed  int64 `json:"requests_failed"`
	// RequestsIncomplete were started but unanswered when the run stopped
	// (after a bounded grace for requests in flight).
	RequestsIncomplete int64 `json:"requests_incomplete"`
	// RequestsScheduled is, in an open loop, every send the schedule made
	// due in the measured window (rate × duration); 0 in a closed loop.
	RequestsScheduled int64 `json:"requests_scheduled"`
	// RequestsUnsent were due but never started: the generator or the
	// connections could not keep up. Always 0 in a closed loop.
	RequestsUnsent    int64 `json:"requests_unsent"`
	ConnectionsOpened int64 `json:"connections_opened"`
	BytesSent         int64 `json:"bytes_sent"`
	BytesReceived     int64 `json:"bytes_received"`
}

// Accounted checks the identity every result obeys and says how it fails:
// started = ok + failed + incomplete, and, when requests were scheduled
// (an open loop), scheduled = started + unsent.
func (t Totals) Accounted() error {
	if d := t.RequestsStarted - t.RequestsOK - t.RequestsFailed - t.RequestsIncomplete; d != 0 {
		return fmt.Errorf("%d started ≠ %d ok + %d failed + %d incomplete (%+d)",
			t.RequestsStarted, t.RequestsOK, t.RequestsFailed, t.RequestsIncomplete, d)
	}
	if t.RequestsScheduled == 0 && t.RequestsUnsent == 0 {
		return nil
	}
	if d := t.RequestsScheduled - t.RequestsStarted - t.RequestsUnsent; d != 0 {
		return fmt.Errorf("%d scheduled ≠ %d started + %d unsent (%+d)", t.RequestsScheduled, t.RequestsStarted, t.RequestsUnsent, d)
	}
	return nil
}

// ErrorClasses are the keys of Result.Errors and Result.Onset, in the
// order reports list them: errno names where the kernel gave one, then
// portlab's own classes. It is the one list of them: the engine classifies
// into it and conditions check their paths against it.
func ErrorClasses() []string {
	return []string{
		"EADDRNOTAVAIL", "EADDRINUSE", "EAGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT",
		"EMFILE", "ENOBUFS", "timeout", "short_read", "http_4xx", "http_5xx", "other",
	}
}

// Onset is the first occurrence of an error class.
type Onset struct {
	AtS               float64 `json:"at_s"`
	RequestsOKBefore  int64   `json:"requests_ok_before"`
	ConnectionsBefore int64   `json:"connections_before"`
}

// Throughput is the whole-run rate of successful requests and of opened
// connections.
type Throughput struct {
	RequestsPerS    float64 `json:"requests_per_s"`
	ConnectionsPerS float64 `json:"connections_per_s"`
}

// ClientCost is what a run cost portlab's process, from the first request
// to the end of the wind-down, so that a reader can tell whether the
// client or the server was the bottleneck: CPUBusy near the number of
// CPUs means the client was. It covers the whole process, so with the
// server in the same process (portlab run) it includes the server's share.
type ClientCost struct {
	CPUUserS float64 `json:"cpu_user_s"`
	CPUSysS  float64 `json:"cpu_sys_s"`
	// CPUBusy is the CPUs kept busy on average: CPU time / wall time.
	CPUBusy float64 `json:"cpu_busy"`
	// CPUPerRequestUS is the CPU time per request started, in µs.
	CPUPerRequestUS float64 `json:"cpu_per_request_us"`
	// MaxRSSKB is the process's peak resident set (getrusage ru_maxrss).
	MaxRSSKB int64 `json:"max_rss_kb"`
	// RSSKB is the process's resident set at the end of the run (after
	// the wind-down, before the result is built); RSSAnonKB and RSSFileKB
	// are its anonymous (heap, stacks) and file-backed (the binary's code
	// and data) parts.
	// Linux only (/proc/self/status): absent elsewhere and in older results.
	RSSKB     int64 `json:"rss_kb,omitempty"`
	RSSAnonKB int64 `json:"rss_anon_kb,omitempty"`
	RSSFileKB int64 `json:"rss_file_kb,omitempty"`
}

// Latencies are the run's three histograms: the TCP connect, the round trip
// from first write to the full echo, and the total per request (in open-loop
// mode measured from the intended send time).
type Latencies struct {
	Connect   Histogram `json:"connect"`
	RoundTrip Histogram `json:"round_trip"`
	Total     Histogram `json:"total"`
}

// Interval is one timeline sample. Counts are for the interval alone, not
// cumulative; TimeWait and Established are the namespace's socket counts at
// the end of the interval (-1 when they could not be read).
type Interval struct {
	TS                float64          `json:"t_s"`
	RequestsOK        int64            `json:"requests_ok"`
	Errors            map[string]int64 `json:"errors"`
	ConnectionsOpened int64            `json:"connections_opened"`
	TimeWait          int              `json:"time_wait"`
	Established       int              `json:"established"`
	P50US             int64            `json:"p50_us"`
	P99US             int64            `json:"p99_us"`
	// Gateway is the NAT gateway's state at the end of the interval
	// (topology nat only).
	Gateway *GatewaySample `json:"gateway,omitempty"`
}

// Prediction is what the kernel's rules say a run should see, given the
// namespace's port settings and the run's strategy.
type Prediction struct {
	// UsablePorts is the ephemeral range minus reserved ports in it; each
	// (source IP, destination IP:port) has that many.
	UsablePorts int `json:"usable_ports"`
	// PortSpaces is the number of (source, destination) pairs the load
	// spreads over: the usable ports multiply by it.
	PortSpaces int `json:"port_spaces"`
	// ClientTimeWait is whether closed client connections hold their port
	// in TIME_WAIT (the client closes first without SO_LINGER 0).
	ClientTimeWait bool `json:"client_time_wait"`
	// HoldS is how long a closed port stays unusable for the same 4-tuple:
	// 60 s of TIME_WAIT, or tcp_tw_reuse_delay when TIME_WAIT reuse applies.
	HoldS float64 `json:"hold_s"`
	// OnsetAfterConnections is how many new connections succeed before the
	// first OnsetClass error; 0 when exhaustion is not expected.
	OnsetAfterConnections int64 `json:"onset_after_connections"`
	// OnsetClass is the error exhaustion shows as: EADDRNOTAVAIL from
	// connect(), EADDRINUSE from a bind() before connect, EAGAIN from a
	// UDP connect(), timeout behind an exhausted NAT gateway.
	OnsetClass string `json:"onset_class,omitempty"`
	// SNATPoolFlows is how many flows a NAT gateway's SNAT pool holds at
	// once (ports x addresses x destinations; topology nat only).
	SNATPoolFlows int64 `json:"snat_pool_flows,omitempty"`
	// SustainableConnectionsPerS is the churn the ports allow for ever:
	// ports / hold time; 0 when ports are not the limit.
	SustainableConnectionsPerS float64 `json:"sustainable_connections_per_s"`
	// Why says the reasoning in words.
	Why string `json:"why"`
}

// Check is one predicted figure beside its measurement.
type Check struct {
	Name      string  `json:"name"`
	Predicted float64 `json:"predicted"`
	Measured  float64 `json:"measured"`
	Ratio     float64 `json:"ratio"` // measured / predicted
}

// Sockets summarizes a namespace's TCP socket table.
type Sockets struct {
	States map[string]int `json:"states"`
	// TimeWaitClient counts TIME_WAIT sockets toward the target (the
	// client's side); TimeWaitServer those on the target's port.
	TimeWaitClient int `json:"time_wait_client"`
	TimeWaitServer int `json:"time_wait_server"`
	// TargetPortsHeld is how many local ports are held toward the target.
	TargetPortsHeld int `json:"target_ports_held"`
}

// ListenProbe records whether a server could bind Addr after the load, as
// a server restarting on a busy host would.
type ListenProbe struct {
	Addr  string `json:"addr"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Expectation is a scenario's expectation checked against the result.
type Expectation struct {
	Path  string  `json:"path"`
	Want  string  `json:"want"`
	Value float64 `json:"value"`
	Pass  bool    `json:"pass"`
	Why   string  `json:"why,omitempty"` // why it could not be evaluated
}
