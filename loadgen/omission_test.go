package loadgen

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/testsupport"
)

// pausableEcho is a TCP echo server that a test can pause: while paused
// it reads requests but holds every answer, as a server stopped by
// SIGSTOP (or a long GC pause) would.
type pausableEcho struct {
	addr  string
	pause sync.RWMutex // held for writing while paused
}

func startPausableEcho(t *testing.T, payload int) *pausableEcho {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &pausableEcho{}
	s.addr = testsupport.Serve(t, ln, func(c net.Conn) {
		buf := make([]byte, payload)
		for {
			if _, err := io.ReadFull(c, buf); err != nil {
				return
			}
			s.pause.RLock() // waits out a pause
			s.pause.RUnlock()
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	return s
}

// TestOpenLoopMeasuresFromIntendedSendTime is the coordinated-omission
// test: an open loop at 100/s on one connection, and a server paused for
// P = 1 s in the middle. The requests due during the pause are sent late,
// when the one connection frees up; measured from when they were due (as
// the open loop must), their latencies spread from P down to 0, so p99 is
// at least P/2. Measured from when they were sent, only the one request
// caught by the pause would be slow, and p99 would stay small.
func TestOpenLoopMeasuresFromIntendedSendTime(t *testing.T) {
	const pause = time.Second
	srv := startPausableEcho(t, 32)
	cfg := testConfig(srv.addr)
	cfg.Mode, cfg.Concurrency, cfg.Rate, cfg.Duration = ModeKeepAlive, 1, 100, 2500*time.Millisecond
	cfg.Timeout = 10 * time.Second
	r, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, func() {
		srv.pause.Lock()
		time.AfterFunc(pause, srv.pause.Unlock)
	})
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkConsistent(t, res)
	tot := res.Totals
	t.Logf("%d ok, %d scheduled, %d unsent, p99 %d us, max %d us", tot.RequestsOK, tot.RequestsScheduled,
		tot.RequestsUnsent, res.Latency.Total.P99US, res.Latency.Total.MaxUS)
	// About 100 of the 250 sends were due during the pause: far more
	// than the 1% that p99 may ignore.
	if p99 := time.Duration(res.Latency.Total.P99US) * time.Microsecond; p99 < pause/2 {
		t.Errorf("p99 of latency.total = %s, want >= %s: latency not measured from the intended send time", p99, pause/2)
	}
	if res.Latency.RoundTrip.P99US >= res.Latency.Total.P99US {
		t.Errorf("round-trip p99 %d us >= total p99 %d us: the wait for the connection is not in total",
			res.Latency.RoundTrip.P99US, res.Latency.Total.P99US)
	}
}
