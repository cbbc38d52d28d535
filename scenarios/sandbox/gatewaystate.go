package sandbox

import (
	"time"

	"github.com/portlab/portlab/internal/conntrack"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/report"
)

// sample is the gateway's conntrack state at one instant.
type sample struct {
	at time.Time
	s  report.GatewaySample
}

// maxSamples bounds a run's samples: 5 minutes at the fastest period.
const maxSamples = 20000

// sampler takes the gateway's conntrack state a few times per timeline
// interval, in the gateway's own namespace, while the clients run.
type sampler struct {
	quit chan struct{}
	done chan []sample
}

// startSampler samples at once, then four times per timeline interval
// (no more often than every 20 ms), until stop.
func startSampler(interval time.Duration) *sampler {
	s := &sampler{quit: make(chan struct{}), done: make(chan []sample, 1)}
	period := max(interval/4, 20*time.Millisecond)
	go func() {
		var out []sample
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			if v, ok := takeSample(); ok && len(out) < maxSamples {
				out = append(out, v)
			}
			select {
			case <-tick.C:
			case <-s.quit:
				if v, ok := takeSample(); ok {
					out = append(out, v)
				}
				s.done <- out
				return
			}
		}
	}()
	return s
}

// stop takes a last sample and returns them all, oldest first.
func (s *sampler) stop() []sample {
	close(s.quit)
	return <-s.done
}

// takeSample reads the gateway's conntrack state; false when it cannot.
func takeSample() (sample, bool) {
	t, err := conntrack.Take()
	if err != nil {
		return sample{}, false
	}
	return sample{at: time.Now(), s: report.GatewaySample{
		Entries: t.Entries, States: t.States,
		InsertFailed: t.Stats["insert_failed"], Drop: t.Stats["drop"], EarlyDrop: t.Stats["early_drop"],
	}}, true
}

// placeSamples gives each timeline interval the gateway's last sample
// taken by its end, and the gateway its last sample.
func placeSamples(res *report.Result, samples []sample) {
	if len(samples) == 0 {
		res.Notes = append(res.Notes, "the gateway's conntrack table could not be read")
		return
	}
	res.Gateway.End = samples[len(samples)-1].s
	i := 0
	for k := range res.Timeline {
		end := res.StartedAt.Add(time.Duration(res.Timeline[k].TS * float64(time.Second)))
		for i+1 < len(samples) && !samples[i+1].at.After(end) {
			i++
		}
		if samples[i].at.After(end) {
			continue // before the first sample
		}
		s := samples[i].s
		res.Timeline[k].Gateway = &s
	}
}

// peakEstablished is the most flows the gateway held established at once.
func peakEstablished(samples []sample) (int, bool) {
	peak := 0
	for _, s := range samples {
		peak = max(peak, s.s.States["ESTABLISHED"])
	}
	return peak, len(samples) > 0
}

// conntrackSettings records the gateway's conntrack limit and timeouts
// as its namespace has them (0 where unreadable).
func conntrackSettings(g *report.Gateway) {
	g.ConntrackMax, _ = sysctl.ReadInt("net.netfilter.nf_conntrack_max")
	g.ConntrackTimeWaitS, _ = sysctl.ReadInt("net.netfilter.nf_conntrack_tcp_timeout_time_wait")
	g.ConntrackEstablishedS, _ = sysctl.ReadInt("net.netfilter.nf_conntrack_tcp_timeout_established")
}
