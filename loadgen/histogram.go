package loadgen

import (
	"math/bits"
	"runtime"
	"sync/atomic"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/portlab/portlab/report"
)

// histogram is an HdrHistogram's counts (lowest value 1, highest
// report.MaxLatencyUS) that any goroutine may record into at once: a
// record is one atomic add on the same bucket HdrHistogram would count, so
// the exported histogram is exactly the one HdrHistogram would have
// recorded, with no lock and no merge on the hot path.
type histogram struct {
	sig     int64
	halfMag uint   // log2 of half the sub-bucket count
	mask    uint64 // sub-bucket count - 1: values below it go to bucket 0
	counts  []atomic.Int64
}

// newHistogram returns an empty histogram keeping sig significant digits.
// Its counts are allocated untouched: only the pages of the buckets that
// are recorded into ever become resident.
func newHistogram(sig int) *histogram {
	// As HdrHistogram: unit resolution up to 2*10^sig, rounded up to a
	// power of two sub-buckets, then one bucket per doubling up to the
	// highest value.
	subMag := uint(bits.Len64(2*pow10(sig) - 1))
	sub := int64(1) << subMag
	buckets := 1
	for v := sub; v <= report.MaxLatencyUS; v <<= 1 {
		buckets++
	}
	return &histogram{
		sig:     int64(sig),
		halfMag: subMag - 1,
		mask:    uint64(sub - 1),
		counts:  make([]atomic.Int64, (buckets+1)*int(sub/2)),
	}
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// record counts v, which must lie in [0, report.MaxLatencyUS] (micros
// clamps it there).
func (h *histogram) record(v int64) {
	b := uint(bits.Len64(uint64(v)|h.mask)) - h.halfMag - 1 // the bucket
	sub := uint(uint64(v) >> b)                             // in its upper half, but in bucket 0
	h.counts[(b+1)<<h.halfMag+sub-1<<h.halfMag].Add(1)
}

// addTo adds h's counts to sum, which has h's length.
func (h *histogram) addTo(sum []int64) {
	for i := range h.counts {
		if n := h.counts[i].Load(); n != 0 {
			sum[i] += n
		}
	}
}

// hdrOf returns counts summed by addTo from histograms keeping sig
// significant digits as the HdrHistogram that recorded the same values.
func hdrOf(sig int64, counts []int64) *hdrhistogram.Histogram {
	return hdrhistogram.Import(&hdrhistogram.Snapshot{
		LowestTrackableValue:  report.MinLatencyUS,
		HighestTrackableValue: report.MaxLatencyUS,
		SignificantFigures:    sig,
		Counts:                counts,
	})
}

// merged is the HdrHistogram of every histogram in hs, which share one
// geometry.
func merged(hs []*histogram) *hdrhistogram.Histogram {
	sum := make([]int64, len(hs[0].counts))
	for _, h := range hs {
		h.addTo(sum)
	}
	return hdrOf(hs[0].sig, sum)
}

// maxShards bounds the shards of the run's recording state, whatever the
// number of CPUs: each costs a set of histograms (sparse, but address
// space).
const maxShards = 8

// numShards is how many shards the run's histograms and timeline
// intervals are split into: one per CPU the run may use, so workers on
// different CPUs mostly add to different cache lines. It depends on the
// machine, never on the concurrency: 10,000 workers share the same few.
func numShards() int { return min(runtime.GOMAXPROCS(0), maxShards) }

// latencies is one shard of the run's latency histograms.
type latencies struct {
	connect, roundTrip, total *histogram
}

func newLatencies(n int) []latencies {
	ls := make([]latencies, n)
	for i := range ls {
		ls[i] = latencies{
			connect:   newHistogram(report.SignificantFigures),
			roundTrip: newHistogram(report.SignificantFigures),
			total:     newHistogram(report.SignificantFigures),
		}
	}
	return ls
}
