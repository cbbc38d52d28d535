// Package report holds portlab's one result model, [Result], and the
// reporters that read it.
//
// A Result is what a load run measured: totals, errors per class and their
// onset, throughput, HdrHistogram latencies and a per-interval timeline. It
// travels as versioned JSON (schema_version 1). Histograms are carried in
// HdrHistogram's compressed V2 encoding beside their summary percentiles, so
// results from several clients can be merged exactly rather than averaged.
package report
