package loadgen

import "io"

// Option sets what a run needs from its caller beyond its Config: facts
// about where it runs and where it reports, not knobs of the load.
type Option func(*options)

type options struct {
	progress io.Writer
	version  string
	host     bool
	label    string
	monitor  *Monitor
	// goroutines keeps a run on the goroutine engine where the event
	// loops would carry it: tests compare the two.
	goroutines bool
}

func defaultOptions() options { return options{host: true} }

// WithProgress prints a live one-line status to w every second.
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// WithVersion is the tool version the result records (tool.version).
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

// WithHostNetns says whether the run shares the host's network namespace,
// and so its ports with every other program. A host run stops at its first
// port-exhaustion error unless Config.SustainExhaustion; the result records
// the namespace as "host" or "sandbox". Without this option a run assumes
// the host, the safe side.
func WithHostNetns(host bool) Option { return func(o *options) { o.host = host } }

// WithNetnsLabel is the namespace the result records (environment.netns)
// instead of "host" or "sandbox": portlab load passes what the kernel says,
// "host" or "shared:net:[INODE]". It changes only the label; WithHostNetns
// decides the stop.
func WithNetnsLabel(label string) Option { return func(o *options) { o.label = label } }
