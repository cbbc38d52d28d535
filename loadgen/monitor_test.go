package loadgen

import (
	"context"
	"maps"
	"testing"
	"time"
)

// TestMonitorEndsAtTheResult: a monitor read while the run goes on (under
// -race, from another goroutine) ends with the result's own counts, for a
// server that answers and one that refuses once the load starts.
func TestMonitorEndsAtTheResult(t *testing.T) {
	for _, s := range accountingServers[:3] { // answers, delays, refuses
		t.Run(s.name, func(t *testing.T) {
			target, atRun := s.start(t, ProtocolTCP)
			cfg := testConfig(target)
			cfg.Concurrency, cfg.Requests, cfg.Duration = 4, 300, time.Minute
			var m Monitor
			if _, ok := m.Read(); ok {
				t.Fatal("Read before the run said ok")
			}
			r, err := New(context.Background(), cfg, WithMonitor(&m))
			if err != nil {
				t.Fatal(err)
			}
			atRun()
			done := make(chan struct{})
			reads := make(chan int)
			go func() { // reads concurrently with the workers
				n := 0
				for {
					select {
					case <-done:
						reads <- n
						return
					default:
					}
					if _, ok := m.Read(); ok {
						n++
					}
					time.Sleep(time.Millisecond)
				}
			}()
			res, err := r.Run(context.Background())
			close(done)
			<-reads
			if err != nil {
				t.Fatal(err)
			}
			l, ok := m.Read()
			if !ok {
				t.Fatal("Read after the run said not ok")
			}
			if l.RequestsOK != res.Totals.RequestsOK || l.RequestsFailed != res.Totals.RequestsFailed ||
				l.ConnectionsOpened != res.Totals.ConnectionsOpened {
				t.Errorf("monitor ok/failed/conns = %d/%d/%d, result %d/%d/%d", l.RequestsOK, l.RequestsFailed,
					l.ConnectionsOpened, res.Totals.RequestsOK, res.Totals.RequestsFailed, res.Totals.ConnectionsOpened)
			}
			if !maps.Equal(l.Errors, res.Errors) {
				t.Errorf("monitor errors %v, result %v", l.Errors, res.Errors)
			}
			if got := l.Latency.TotalCount(); got != res.Latency.Total.Count {
				t.Errorf("monitor latency count %d, result %d", got, res.Latency.Total.Count)
			}
			if res.Totals.RequestsOK+res.Totals.RequestsFailed == 0 {
				t.Fatalf("nothing measured: %+v", res.Totals)
			}
		})
	}
}
