package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const okHead = `{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":2,"wind_down_s":0.5`

// TestReadFileRefusesImpossibleValues: each result is refused with an
// *InputError naming the file and the field.
func TestReadFileRefusesImpossibleValues(t *testing.T) {
	good, err := Marshal(sampleForFuzz(t))
	if err != nil {
		t.Fatal(err)
	}
	hdr := sampleForFuzz(t).Latency.Total.HDR
	tests := []struct {
		name, json, want string
	}{
		{"no schema", `{}`, "no schema_version"},
		{"no started_at", `{"schema_version":1}`, "started_at: missing"},
		{"year 1", `{"schema_version":1,"started_at":"0001-01-01T00:00:00Z"}`, "started_at: missing"},
		{"year 500", `{"schema_version":1,"started_at":"0500-01-01T00:00:00Z"}`, "started_at: 0500-01-01T00:00:00Z is not a plausible start"},
		{"year 9999", `{"schema_version":1,"started_at":"9999-01-01T00:00:00Z"}`, "started_at: 9999"},
		{"negative elapsed", `{"schema_version":1,"started_at":"2026-11-23T12:00:00Z","elapsed_s":-1}`, "elapsed_s: -1 is outside"},
		{"huge wind-down", okHead + `,"wind_down_s":1e300}`, "wind_down_s: 1e+300 is outside"},
		{"interval 1 ns", okHead + `,"config":{"interval_ns":1}}`, "config.interval_ns: 1 is outside 1000000.."},
		{"merged interval 0", okHead + `,"config":{"interval_ns":1000000,"merged":[{"interval_ns":0}]}}`, "config.merged[0].interval_ns: 0 is outside"},
		{"t_s -5", okHead + `,"timeline":[{"t_s":-5}]}`, "timeline[0].t_s: -5 is outside the run"},
		{"t_s 1e12", okHead + `,"timeline":[{"t_s":1e12}]}`, "timeline[0].t_s: 1e+12 is outside the run"},
		{"t_s backwards", okHead + `,"timeline":[{"t_s":2},{"t_s":1}]}`, "timeline[1].t_s: 1 is before"},
		{"interval errors", okHead + `,"timeline":[{"t_s":1,"errors":{"EAGAIN":-2}}]}`, "timeline[0].errors.EAGAIN: negative count -2"},
		{"negative total", okHead + `,"totals":{"requests_ok":-1}}`, "totals.requests_ok: negative count -1"},
		{"negative error", okHead + `,"errors":{"EADDRNOTAVAIL":-3}}`, "errors.EADDRNOTAVAIL: negative count -3"},
		{"onset after run", okHead + `,"onset":{"EMFILE":{"at_s":100}}}`, "onset.EMFILE.at_s: 100 is outside the run"},
		{"histogram count", okHead + `,"totals":{"requests_ok":3},"latency":{"round_trip":{"count":3,"hdr":"` + hdr + `"},"total":{"count":7,"hdr":"` + hdr + `"}}}`,
			"latency.total.count: 7, but the hdr histogram holds 3 values"},
		{"histogram vs totals", okHead + `,"totals":{"requests_ok":5},"latency":{"round_trip":{"count":3,"hdr":"` + hdr + `"},"total":{"count":3,"hdr":"` + hdr + `"}}}`,
			"latency.round_trip.count: 3 values, but totals.requests_ok is 5"},
		{"answers without histogram", okHead + `,"totals":{"requests_started":3,"requests_ok":3}}`,
			"latency.round_trip.count: 0 values, but totals.requests_ok is 3"},
		{"connections without histogram", okHead + `,"totals":{"connections_opened":2},"latency":{"connect":{"count":0,"hdr":""}}}`,
			"latency.connect.count: 0 values, but totals.connections_opened is 2"},
		{"count without hdr", okHead + `,"latency":{"connect":{"count":4}}}`, "latency.connect.hdr: histogram has 4 values but no hdr encoding"},
		{"bad hdr", okHead + `,"latency":{"connect":{"count":0,"hdr":"!!"}}}`, "latency.connect.hdr: decode histogram"},
		{"negative sockets", okHead + `,"sockets":{"states":{"TIME_WAIT":-1}}}`, "sockets.states.TIME_WAIT: negative count"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("ReadFile = %v, want an *InputError %q naming %s", err, tt.want, path)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		path := filepath.Join(dir, "good.json")
		if err := os.WriteFile(path, good, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(path); err != nil {
			t.Errorf("ReadFile of a valid result: %v", err)
		}
	})
}

// TestReadFileRefusesSpecialFiles: a directory, a device, a symlink to one
// and a file over the limit are refused before any read.
func TestReadFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink(os.DevNull, zero); err != nil {
		t.Skip("no symlinks:", err)
	}
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxResultBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tt := range []struct{ path, want string }{
		{dir, "not a regular file (a directory)"},
		{zero, "not a regular file (a device)"},
		{big, "67108865 bytes is larger than a result may be (64 MiB)"},
		{filepath.Join(dir, "missing.json"), "no such file"},
	} {
		_, err := ReadFile(tt.path)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), tt.path+": ") {
			t.Errorf("ReadFile(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
}

// TestMergeRefusesWhatWouldNotFit: inputs too far apart, or whose
// timeline would need too many intervals, are refused naming the field;
// in-memory inputs with offsets outside their run no longer panic.
func TestMergeRefusesWhatWouldNotFit(t *testing.T) {
	at := func(start time.Time, interval time.Duration, ts ...float64) *Result {
		r := &Result{Label: start.Format("15:04"), StartedAt: start, ElapsedS: 2}
		if interval > 0 {
			r.Config = &RunConfig{}
			r.Config.Interval = interval
		}
		for _, s := range ts {
			r.Timeline = append(r.Timeline, Interval{TS: s})
		}
		return r
	}
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rs   []*Result
		want string
	}{
		{"t_s -5", []*Result{at(t0, 0, -5), at(t0, 0, 1)}, `"12:00": timeline[0].t_s: -5 is outside the run`},
		{"t_s 1e12", []*Result{at(t0, 0, 1e12), at(t0, 0, 1)}, `timeline[0].t_s: 1e+12 is outside the run`},
		{"no start", []*Result{{Label: "x", ElapsedS: 1}, at(t0, 0, 1)}, `"x": started_at: missing`},
		{"a week apart", []*Result{at(t0, 0, 1), at(t0.Add(8*24*time.Hour), 0, 1)}, `started_at: ends 192h0m3s after the earliest input starts`},
		{"1 ms over an hour", []*Result{at(t0, time.Millisecond, 1), at(t0.Add(time.Hour), time.Millisecond, 1)},
			`config.interval_ns: 1000000: the merged timeline would need 3602002 intervals of 1ms over 1h0m2.001s, more than 200000`},
		{"interval 1 ns", []*Result{at(t0, time.Nanosecond, 1), at(t0, 0, 1)}, `config.interval_ns: 1 is outside`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(tt.rs...)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input == 0 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Merge = %v, want an *InputError naming its input: %q", err, tt.want)
			}
		})
	}
}
