//go:build !race

// The race detector's instrumentation makes every frame larger, so the
// stack sizes below hold only for the real build.

package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/testsupport"
)

const envStackEcho = "PORTLAB_TEST_STACK_ECHO"

// TestStackEchoHelper is TestKeepAliveWorkerStack's echo server, in a
// process of its own so that the test counts its workers' stacks alone.
// It prints its address and serves until its stdin closes.
func TestStackEchoHelper(t *testing.T) {
	if os.Getenv(envStackEcho) == "" {
		t.Skip("the echo server of TestKeepAliveWorkerStack")
	}
	fmt.Println(echotest.Start(t, nil).Addr())
	io.Copy(io.Discard, os.Stdin)
}

// progressLines counts the progress lines a run printed, and tells the
// test once the run has begun (its workers exist).
type progressLines struct {
	mu    sync.Mutex
	lines int
}

func (p *progressLines) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.Contains(string(b), " ok ") {
		p.lines++
	}
	return len(b), nil
}

func (p *progressLines) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lines
}

// TestKeepAliveWorkerStack: a keep-alive worker's goroutine keeps the
// smallest stack the runtime gives (2 kB) through its dial, its requests,
// the renewals of its deadline and the timeline's new intervals. A stack
// never shrinks back while its goroutine waits in a read (the wait alone
// uses more than a quarter of 4 kB), so one deep call on any of these
// paths would cost the worker 4 kB for the rest of the run. The count is
// the process's stack memory divided by the workers, while they run.
func TestKeepAliveWorkerStack(t *testing.T) {
	target := startStackEcho(t)
	// A collection's assist can grow a few stacks while they dial, more
	// on a busy machine, so the best of three runs is judged. Workers on
	// 4 kB stacks measured 4,259 bytes each, every time.
	const most = 3072
	var seen []int64
	for range 3 {
		perWorker := keepAliveStackPerWorker(t, target)
		t.Logf("stack in use per worker: %d bytes", perWorker)
		if perWorker <= most {
			return
		}
		seen = append(seen, perWorker)
	}
	t.Errorf("stack in use per keep-alive worker = %v bytes in three runs, want 2 kB (%d at most)", seen, most)
}

// keepAliveStackPerWorker runs 2,000 keep-alive workers against target
// and returns the process's stack memory per worker while they run.
func keepAliveStackPerWorker(t *testing.T, target string) int64 {
	const workers = 2000
	cfg := DefaultConfig()
	cfg.Target = target
	cfg.Mode = ModeKeepAlive
	cfg.Concurrency = workers
	cfg.Duration = time.Minute
	cfg.Interval = 50 * time.Millisecond // many new intervals
	cfg.Timeout = time.Second            // a deadline renewed every 100 ms
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	progress := &progressLines{}
	r, err := New(ctx, cfg, WithHostNetns(false), WithProgress(progress))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, during runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	// Until every worker has done requests over a few seconds: dozens of
	// intervals and deadline renewals each.
	for i := 0; ; i++ {
		if i == 600 {
			t.Fatalf("after a minute the workers had not all done 20 requests in 3 s")
		}
		time.Sleep(100 * time.Millisecond)
		if progress.count() >= 3 && minOK(r.workers) >= 20 {
			break
		}
	}
	// A collection frees the stack spans of ended goroutines (each dial
	// ran on one), which stay counted in use until then.
	runtime.GC()
	runtime.ReadMemStats(&during)
	cancel()
	<-done
	return (int64(during.StackInuse) - int64(before.StackInuse)) / workers
}

// minOK is the fewest requests any worker has answered. The workers
// exist once the run printed its first progress line.
func minOK(ws []*worker) int64 {
	least := int64(-1)
	for _, w := range ws {
		if n := w.ok.Load(); least < 0 || n < least {
			least = n
		}
	}
	return least
}

// startStackEcho starts TestStackEchoHelper and returns its address.
func startStackEcho(t *testing.T) string {
	_, lines := testsupport.StartHelper(t, "TestStackEchoHelper", envStackEcho+"=1")
	for i := 0; i < 10 && lines.Scan(); i++ {
		if ap, err := netip.ParseAddrPort(lines.Text()); err == nil {
			go func() { // drain the rest, so the helper never blocks writing
				for lines.Scan() {
				}
			}()
			return ap.String()
		}
	}
	t.Fatal("the echo helper printed no address")
	return ""
}

// TestWorkerFillsCacheLines: a worker's size is a multiple of 64 bytes,
// so that the allocator's slots for workers start on a cache line and two
// workers on two CPUs never write to one line.
func TestWorkerFillsCacheLines(t *testing.T) {
	if n := unsafe.Sizeof(worker{}); n%64 != 0 {
		t.Errorf("worker is %d bytes, want a multiple of 64 (adjust its padding)", n)
	}
}
