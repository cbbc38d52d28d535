package main

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/scenarios"
)

// knobKeys lists the YAML keys of a config struct's knobs: every field
// but those tagged yaml:"-" and the interfaces (an io.Writer is not
// something a flag or a file can set).
func knobKeys(t *testing.T, v any) []string {
	t.Helper()
	var keys []string
	for f := range reflect.TypeOf(v).Fields() {
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case key == "-" || f.Type.Kind() == reflect.Interface:
		case key == "":
			t.Errorf("%T.%s has no yaml tag: name it as its flag, or tag it yaml:\"-\"", v, f.Name)
		default:
			keys = append(keys, key)
		}
	}
	return keys
}

// The flags and the scenario keys are one vocabulary: every knob's YAML key
// is a flag with "-" for "_", and every flag but the command's own options
// sets a knob.
func TestFlagsAreTheKnobs(t *testing.T) {
	tests := []struct {
		cmd     string
		fs      *pflag.FlagSet
		cfg     any
		options []string // flags that are not knobs of cfg
	}{
		{"load", newLoadCmd(io.Discard).fs, config.Load{}, []string{"quiet", "out", "json", "fail-if", "metrics"}},
		{"echo", newEchoCmd(io.Discard).fs, echo.Config{}, []string{"drain"}},
	}
	for _, tt := range tests {
		knobs := map[string]bool{}
		for _, key := range knobKeys(t, tt.cfg) {
			flag := strings.ReplaceAll(key, "_", "-")
			knobs[flag] = true
			if tt.fs.Lookup(flag) == nil {
				t.Errorf("%T's knob %q has no flag --%s in portlab %s", tt.cfg, key, flag, tt.cmd)
			}
		}
		for _, o := range tt.options {
			knobs[o] = true
		}
		tt.fs.VisitAll(func(f *pflag.Flag) {
			if !knobs[f.Name] && f.Deprecated == "" {
				t.Errorf("portlab %s --%s sets no knob of %T (no field with yaml key %q)", tt.cmd, f.Name, tt.cfg, strings.ReplaceAll(f.Name, "-", "_"))
			}
		})
	}
}

// knobs is a set of knobs, as YAML values; a list is written [a, b].
type knobs [][2]string

func (k knobs) flags() []string {
	var args []string
	for _, kv := range k {
		v := strings.ReplaceAll(strings.Trim(kv[1], "[]"), ", ", ",")
		args = append(args, "--"+strings.ReplaceAll(kv[0], "_", "-")+"="+v)
	}
	return args
}

func (k knobs) yaml() string {
	var b strings.Builder
	for _, kv := range k {
		fmt.Fprintf(&b, "      %s: %s\n", kv[0], kv[1])
	}
	return b.String()
}

// A scenario file and the same knobs given as flags configure the same
// load and the same server.
func TestScenarioMatchesFlags(t *testing.T) {
	tests := []struct {
		name         string
		load, server knobs
	}{
		{"new", knobs{{"mode", "new"}, {"concurrency", "4"}, {"payload", "100"}, {"linger", "0"}, {"await_close", "true"}},
			knobs{{"close", "server"}, {"payload", "100"}, {"linger", "0"}, {"delay", "1ms"}}},
		{"pool", knobs{{"mode", "pool"}, {"pool_size", "8"}, {"rate", "500"}, {"requests", "1000"}, {"connect_timeout", "1s"}, {"timeout", "3s"}},
			knobs{{"backlog", "64"}, {"max_conns", "100"}, {"reuseport", "true"}, {"idle_timeout", "45s"}}},
		{"keepalive", knobs{{"mode", "keepalive"}, {"requests_per_conn", "5"}, {"reuseaddr", "true"}, {"bind_no_port", "true"},
			{"source_ips", "[127.0.0.2, 127.0.0.3]"}, {"sustain_exhaustion", "true"}}, nil},
		{"http", knobs{{"protocol", "http"}, {"mode", "keepalive"}, {"method", "GET"}, {"max_idle_per_host", "32"},
			{"max_conns_per_host", "64"}, {"unread_body", "true"}, {"payload", "0"}},
			knobs{{"protocol", "http"}, {"keepalive", "false"}, {"close", "server"}, {"read_header_timeout", "2s"},
				{"read_timeout", "3s"}, {"write_timeout", "4s"}, {"idle_timeout", "5s"}}},
		{"shard", knobs{{"shard", "1/4"}, {"concurrency", "8"}, {"requests", "10"}, {"start_delay", "2s"}}, nil},
		{"udp", knobs{{"protocol", "udp"}, {"mode", "new"}, {"hold", "true"}, {"payload", "512"}},
			knobs{{"protocol", "udp"}, {"listen", "127.0.0.1:9000"}, {"payload", "512"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The lab's defaults differ from the CLI's for these: set them.
			common := knobs{{"target", scenarios.LabAddr}, {"duration", "3s"}, {"interval", "500ms"}}
			load := append(common, tt.load...)
			file := "name: same\nruns:\n  - name: " + tt.name + "\n    load:\n" + load.yaml()
			if tt.server != nil {
				file += "    server:\n" + tt.server.yaml()
			}
			sc, err := scenarios.Parse("same.yaml", []byte(file))
			if err != nil {
				t.Fatalf("%v\n%s", err, file)
			}
			lc := newLoadCmd(io.Discard)
			if err := lc.fs.Parse(append(load.flags(), "--label="+tt.name)); err != nil {
				t.Fatal(err)
			}
			fromFlags, err := lc.config()
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Runs[0].Load; !reflect.DeepEqual(got, fromFlags) {
				t.Errorf("scenario load\n  %+v\nflags %q\n  %+v", got, load.flags(), fromFlags)
			}
			ec := newEchoCmd(io.Discard)
			if err := ec.fs.Parse(tt.server.flags()); err != nil {
				t.Fatal(err)
			}
			srv, err := ec.config()
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Runs[0].Server; tt.server != nil && got != srv {
				t.Errorf("scenario server\n  %+v\nflags %q\n  %+v", got, tt.server.flags(), srv)
			}
		})
	}
}
