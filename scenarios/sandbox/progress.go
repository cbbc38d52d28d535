package sandbox

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
)

// Progress is one step of a scenario's execution, for a live display
// (Options.Progress): a run starting (Live and Ended unset), a run going on
// (Live, about once a second, and once more at its end) or a run ended
// (Ended, with its Result, nil when it failed).
type Progress struct {
	Run *scenarios.Run
	// Index counts from 1 among the Of runs that apply to the topology.
	Index, Of int
	Live      *LiveSample
	Ended     bool
	Result    *report.Result
}

// LiveSample is a run so far as the sandbox child sends it: counts are
// cumulative since the run's clock started.
type LiveSample struct {
	ElapsedS float64 `json:"elapsed_s"`
	OK       int64   `json:"ok"`
	Failed   int64   `json:"failed"`
	Conns    int64   `json:"conns"`
	// TimeWait is the namespace's latest TIME_WAIT count, -1 when unknown.
	TimeWait int64 `json:"time_wait"`
	// End marks the child's last line.
	End bool `json:"end,omitempty"`
}

// envProgressFD names the child's descriptor for progress lines. The
// parent passes it as the first extra file: descriptor 3.
const envProgressFD = "PORTLAB_PROGRESS_FD"

// maxProgressLine bounds one line the parent reads from the child.
const maxProgressLine = 4096

// progressWait bounds how long the parent waits, after the child exits,
// for the child's last progress lines; a grandchild holding the pipe
// open cannot stall the run longer than this.
const progressWait = 5 * time.Second

// position is r's place among the runs of sc that run in topology.
func position(sc *scenarios.Scenario, r *scenarios.Run, topology scenarios.Topology) (index, of int) {
	for i := range sc.Runs {
		if t := sc.Runs[i].Topology; t != "" && t != topology {
			continue
		}
		of++
		if &sc.Runs[i] == r {
			index = of
		}
	}
	return index, of
}

// watchProgress reports r's start, gives cmd a pipe for the child's
// progress lines and passes them on as they come; the function it returns
// waits for the last of them. A no-op without Options.Progress.
func watchProgress(cmd *exec.Cmd, sc *scenarios.Scenario, r *scenarios.Run, opts Options) (stop func()) {
	if opts.Progress == nil {
		return func() {}
	}
	index, of := position(sc, r, opts.Topology)
	opts.Progress(Progress{Run: r, Index: index, Of: of})
	pr, pw, err := os.Pipe()
	if err != nil {
		return func() {} // no live figures; the run itself is unaffected
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, pw)
	cmd.Env = append(cmd.Env, envProgressFD+"="+strconv.Itoa(2+len(cmd.ExtraFiles)))
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 512), maxProgressLine)
		for sc.Scan() {
			var s LiveSample
			if json.Unmarshal(sc.Bytes(), &s) != nil {
				continue
			}
			if s.End {
				return
			}
			opts.Progress(Progress{Run: r, Index: index, Of: of, Live: &s})
		}
	}()
	return func() {
		pw.Close()
		select {
		case <-done:
		case <-time.After(progressWait):
		}
		pr.Close()
		<-done
	}
}

// ended reports the end of r, with its result when there is one.
func (o Options) ended(sc *scenarios.Scenario, r *scenarios.Run, res *report.Result) {
	if o.Progress == nil {
		return
	}
	index, of := position(sc, r, o.Topology)
	o.Progress(Progress{Run: r, Index: index, Of: of, Ended: true, Result: res})
}

// childProgress, in the sandbox child, attaches a monitor to the load and
// sends its figures to the parent once a second, when the parent gave a
// descriptor for them; the function it returns sends the final figures
// and an end mark.
func childProgress(opts []loadgen.Option) ([]loadgen.Option, func()) {
	fd, err := strconv.Atoi(os.Getenv(envProgressFD))
	if err != nil || fd < 3 {
		return opts, func() {}
	}
	f := os.NewFile(uintptr(fd), "progress")
	if f == nil {
		return opts, func() {}
	}
	var m loadgen.Monitor
	enc := json.NewEncoder(f)
	send := func(end bool) {
		if l, ok := m.Read(); ok {
			enc.Encode(LiveSample{ElapsedS: l.Elapsed.Seconds(), OK: l.RequestsOK, Failed: l.RequestsFailed,
				Conns: l.ConnectionsOpened, TimeWait: l.TimeWait})
		}
		if end {
			enc.Encode(LiveSample{End: true})
		}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				send(false)
			}
		}
	}()
	return append(opts, loadgen.WithMonitor(&m)), func() {
		close(quit)
		<-done
		send(true)
		f.Close()
	}
}
