package labcheck_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/labcheck"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

func TestMain(m *testing.M) { testsupport.Main(m) }

// checkCase is one state of the machine and the results directory, and
// what exercise n's check must say of it.
type checkCase struct {
	name string
	// sysctls, when not nil, run the case in a private network namespace
	// with these written; nil runs it on the host, which only result-based
	// checks may do.
	sysctls map[string]string
	setup   func(t *testing.T, dir string)
	// ok is each criterion's verdict, in order; says are substrings of the
	// text output, with DIR standing for the results directory.
	ok   []bool
	says []string
}

// narrow is the sandbox of the exhaustion cases: 1,000 ports, no reuse.
func narrow(extra ...string) map[string]string {
	m := map[string]string{"net.ipv4.ip_local_port_range": "40000 40999", "net.ipv4.tcp_tw_reuse": "0"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func runCases(t *testing.T, n int, cases []checkCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := func(t *testing.T) {
				dir := t.TempDir()
				if tc.setup != nil {
					tc.setup(t, dir)
				}
				v, err := labcheck.Check(n, dir)
				if err != nil {
					t.Fatal(err)
				}
				var text strings.Builder
				if err := v.WriteText(&text); err != nil {
					t.Fatal(err)
				}
				out := text.String()
				if len(v.Criteria) != len(tc.ok) {
					t.Fatalf("got %d criteria, want %d:\n%s", len(v.Criteria), len(tc.ok), out)
				}
				done := true
				for i, c := range v.Criteria {
					done = done && tc.ok[i]
					if c.OK != tc.ok[i] {
						t.Errorf("criterion %q: got ok=%v, want %v", c.Name, c.OK, tc.ok[i])
					}
					if !c.OK && c.Detail == "" {
						t.Errorf("criterion %q is missing without saying why", c.Name)
					}
				}
				if v.Done != done {
					t.Errorf("got done=%v, want %v", v.Done, done)
				}
				// Words, not lines: the text is wrapped to fit.
				words := strings.Join(strings.Fields(out), " ")
				for _, s := range tc.says {
					s = strings.Join(strings.Fields(strings.ReplaceAll(s, "DIR", dir)), " ")
					if !strings.Contains(words, s) {
						t.Errorf("output lacks %q", s)
					}
				}
				for _, l := range strings.Split(out, "\n") {
					if n := utf8.RuneCountInString(l); n > report.TextWidth {
						t.Errorf("%d columns, want <= %d: %q", n, report.TextWidth, l)
					}
				}
				if t.Failed() {
					t.Logf("output:\n%s", out)
				}
			}
			if tc.sysctls == nil {
				body(t)
				return
			}
			netnstest.Run(t, tc.sysctls, body)
		})
	}
}

// server starts an echo server on addr for the test.
func server(t *testing.T, addr string, edit func(*echo.Config)) string {
	t.Helper()
	srv := echotest.Start(t, func(c *echo.Config) {
		c.Listen = addr
		if edit != nil {
			edit(c)
		}
	})
	return srv.Addr().String()
}

// load runs the engine against target and writes its result to dir/name,
// as portlab load --out does.
func load(t *testing.T, dir, name, target string, edit func(*loadgen.Config)) *report.Result {
	t.Helper()
	cfg := loadgen.DefaultConfig()
	cfg.Target = target
	cfg.Interval = 100 * time.Millisecond
	edit(&cfg)
	res, err := loadgen.Run(t.Context(), cfg, loadgen.WithHostNetns(!netns.Inside() && netns.IsHost()))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteFile(filepath.Join(dir, name), res); err != nil {
		t.Fatal(err)
	}
	return res
}

// setRate rewrites the result file at path with rps requests/s.
func setRate(t *testing.T, path string, rps float64) {
	t.Helper()
	res, err := report.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res.Throughput.RequestsPerS = rps
	if err := report.WriteFile(path, res); err != nil {
		t.Fatal(err)
	}
}

// exhaust churns new connections toward target until the range runs out,
// then stops soon after.
func exhaust(t *testing.T, dir, name, target string) *report.Result {
	t.Helper()
	res := load(t, dir, name, target, func(c *loadgen.Config) { c.Requests, c.Duration = 1500, 10*time.Second })
	if res.Errors["EADDRNOTAVAIL"] == 0 {
		t.Fatalf("%s: no EADDRNOTAVAIL in %d requests", name, res.Totals.RequestsOK)
	}
	return res
}

// exhausted is a case's setup: one exhausting run, saved as name, against
// an echo server on srvA.
func exhausted(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) { exhaust(t, dir, name, server(t, srvA, nil)) }
}

// afterEarlierRun starts an echo server on srvA and runs requests against
// it, saved outside the checked directory, so that their TIME_WAIT is
// still held; it returns the server's address for the run the check reads.
func afterEarlierRun(t *testing.T, requests int64) string {
	t.Helper()
	target := server(t, srvA, nil)
	load(t, t.TempDir(), "first.json", target, func(c *loadgen.Config) { c.Requests = requests })
	return target
}

// setSysctls changes the test namespace's sysctls between two runs, as a
// student does with sysctl -w.
func setSysctls(t *testing.T, kv ...string) {
	t.Helper()
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	if err := netns.Setup(m); err != nil {
		t.Fatal(err)
	}
}

const (
	srvA = "127.0.0.1:7777"
	srvB = "127.0.0.1:7778"
)

func TestExercise1(t *testing.T) {
	runCases(t, 1, []checkCase{{
		name:    "exhausted",
		sysctls: narrow(),
		setup:   exhausted("ex1.json"),
		ok:      []bool{true, true},
		says:    []string{"ok: onset reproduced: a result with EADDRNOTAVAIL: ex1.json:", "of 1,000 ports (40000-40999)", "verdict: exercise 1 done"},
	}, {
		name:    "nothing yet",
		sysctls: narrow(),
		setup: func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "notes.json"), []byte(`{"a": 1}`), 0o644)
		},
		ok: []bool{false, false},
		says: []string{"\n  skipped notes.json: not a portlab result: no schema_version\n",
			"missing: onset reproduced: a result with EADDRNOTAVAIL: no result in DIR",
			"without VMs: portlab run --topology two-hosts --out DIR exhaustion",
			"verdict: not yet, 2 of 2 criteria missing"},
	}, {
		name:    "TIME_WAIT of an earlier run",
		sysctls: narrow(),
		setup: func(t *testing.T, dir string) {
			exhaust(t, dir, "again.json", afterEarlierRun(t, 700))
		},
		ok:   []bool{true, false},
		says: []string{"missing: onset after about as many connections as the range has ports: again.json: onset after", "TIME_WAIT from an earlier run still held the rest"},
	}})
}

func TestExercise2(t *testing.T) {
	runCases(t, 2, []checkCase{{
		// The check judges the onset by the schedule (connections before
		// it / rate), which a busy machine that falls behind the rate does
		// not move; 200 ports at 200/s keep the run short, and 4 s of
		// schedule leave a machine far behind the rate time to use them.
		name:    "fixed rate, within 60 s",
		sysctls: narrow("net.ipv4.ip_local_port_range", "40000 40199"),
		setup: func(t *testing.T, dir string) {
			target := server(t, srvA, nil)
			load(t, dir, "ex2.json", target, func(c *loadgen.Config) { c.Rate, c.Duration = 200, 4*time.Second })
		},
		ok: []bool{true, true, true},
		says: []string{"ok: one destination holds most of the range (portlab ports: warn or crit): 127.0.0.1:7777 holds 200 of the 200 usable ports (100%, crit)",
			"200 of the 200 sockets toward 127.0.0.1:7777 are in TIME_WAIT",
			"forecast 200 ports / 200 per s = 1.0 s"},
	}, {
		name:    "TIME_WAIT of an earlier run",
		sysctls: narrow("net.ipv4.ip_local_port_range", "40000 40199"),
		setup: func(t *testing.T, dir string) {
			load(t, dir, "ex2.json", afterEarlierRun(t, 100), func(c *loadgen.Config) { c.Rate, c.Duration = 200, 4*time.Second })
		},
		ok: []bool{true, true, false},
		// Two substrings: a machine behind the rate gets a note between
		// them on how far behind it fell.
		says: []string{"forecast 200 ports / 200 per s = 1.0 s", "more than 25% apart; TIME_WAIT of an earlier run shortens it"},
	}, {
		name:    "ports held open",
		sysctls: narrow(),
		setup: func(t *testing.T, dir string) {
			target := server(t, srvA, nil)
			for range 700 {
				c, err := net.Dial("tcp", target)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
			}
		},
		ok:   []bool{true, false, false},
		says: []string{"(70%, warn)", "0 of the 700 sockets toward 127.0.0.1:7777 are in TIME_WAIT: these ports are held open"},
	}, {
		name:    "fresh machine",
		sysctls: narrow(),
		ok:      []bool{false, false, false},
		says:    []string{"no destination holds 60% of the 1,000 usable ports now: no destination holds a port of it", "--rate 1000"},
	}})
}

func TestExercise3(t *testing.T) {
	pool := func(t *testing.T, dir, target string) {
		load(t, dir, "pool.json", target, func(c *loadgen.Config) {
			c.Mode, c.PoolSize, c.Concurrency, c.Requests = loadgen.ModePool, 4, 8, 3000
		})
	}
	perRequest := func(t *testing.T, dir, target string) {
		load(t, dir, "new.json", target, func(c *loadgen.Config) { c.Concurrency, c.Requests = 4, 300 })
	}
	// The rates are set after the runs: which one a busy machine makes
	// faster is the machine's, and the criterion's logic is under test.
	both := func(poolRate, newRate float64) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			target := server(t, "127.0.0.1:0", nil)
			pool(t, dir, target)
			perRequest(t, dir, target)
			setRate(t, filepath.Join(dir, "pool.json"), poolRate)
			setRate(t, filepath.Join(dir, "new.json"), newRate)
		}
	}
	runCases(t, 3, []checkCase{{
		name:    "pool and a connection per request",
		sysctls: narrow(), // the TIME_WAIT stays in the namespace
		setup:   both(2000, 1000),
		ok:      []bool{true, true, true},
		says:    []string{"pool.json: pool of 4, 3,000 requests, no EADDRNOTAVAIL", "pool.json: 4 connections for 3,000 requests", "2000 requests/s pooled (pool.json), 1000 with a new connection per request (new.json)"},
	}, {
		name:    "pool slower than a connection per request",
		sysctls: narrow(),
		setup:   both(1000, 2000),
		ok:      []bool{true, true, false},
		says:    []string{"1000 requests/s pooled (pool.json), 2000 with a new connection per request (new.json)"},
	}, {
		name:    "no pool",
		sysctls: narrow(),
		setup:   func(t *testing.T, dir string) { perRequest(t, dir, server(t, "127.0.0.1:0", nil)) },
		ok:      []bool{false, false, false},
		says:    []string{"missing: a pool run without EADDRNOTAVAIL: no --mode pool run", "--mode pool --pool-size 16", "without VMs: portlab run --topology two-hosts --out DIR pooling"},
	}, {
		name:  "nothing to compare with",
		setup: func(t *testing.T, dir string) { pool(t, dir, server(t, "127.0.0.1:0", nil)) },
		ok:    []bool{true, true, false},
		says:  []string{"no run with a new connection per request, closed by the client without SO_LINGER 0, to compare with (exercise 1)"},
	}, {
		// The exhaustion lab's linger0 run is a cure, faster than the
		// connection per request that pooling is up against.
		name: "SO_LINGER 0 is no connection per request to compare with",
		setup: func(t *testing.T, dir string) {
			target := server(t, "127.0.0.1:0", nil)
			pool(t, dir, target)
			load(t, dir, "linger0.json", target, func(c *loadgen.Config) { c.Linger, c.Concurrency, c.Requests = 0, 4, 300 })
		},
		ok:   []bool{true, true, false},
		says: []string{"no run with a new connection per request, closed by the client without SO_LINGER 0"},
	}})
}

func TestExercise4(t *testing.T) {
	keepAlive := func(t *testing.T, dir, target string, perConn int) {
		load(t, dir, fmt.Sprintf("ka-%d.json", perConn), target, func(c *loadgen.Config) {
			c.Mode, c.RequestsPerConn, c.Concurrency, c.Requests, c.Linger = loadgen.ModeKeepAlive, perConn, 4, 1000, 0
		})
	}
	runCases(t, 4, []checkCase{{
		name: "1, 10, 100 and unlimited",
		setup: func(t *testing.T, dir string) {
			target := server(t, "127.0.0.1:0", nil)
			for _, n := range []int{1, 10, 100, 0} {
				keepAlive(t, dir, target, n)
			}
		},
		ok:   []bool{true, true, true},
		says: []string{"requests per connection: 1, 10, 100, unlimited", "1: 1, 10: 0.1", ": 4 connections for 4 workers, 1,000 requests"},
	}, {
		name:  "one value",
		setup: func(t *testing.T, dir string) { keepAlive(t, dir, server(t, "127.0.0.1:0", nil), 1) },
		ok:    []bool{false, false, false},
		says:  []string{"want at least three values, unlimited among them; found: 1", `--requests-per-conn "$n"`, "no keep-alive run with unlimited requests per connection"},
	}})
}

func TestExercise5(t *testing.T) {
	runCases(t, 5, []checkCase{{
		// 100 ports: a busy machine still uses them all within
		// tcp_tw_reuse_delay (1 s), which the tcp_tw_reuse=1 run needs to
		// be exhausted at all, and then needs only 50 connections after
		// the onset (half the range) to show reuse. Four workers keep the
		// failing connect()s from eating the CPU the reuse needs.
		name:    "reuse off, then on",
		sysctls: narrow("net.ipv4.tcp_timestamps", "1", "net.ipv4.ip_local_port_range", "40000 40099"),
		setup: func(t *testing.T, dir string) {
			sustained := func(c *loadgen.Config) { c.Concurrency, c.Duration = 4, 3*time.Second }
			load(t, dir, "reuse0.json", server(t, srvA, nil), sustained)
			setSysctls(t, "net.ipv4.tcp_tw_reuse", "1")
			load(t, dir, "reuse1.json", server(t, srvB, nil), sustained)
		},
		ok:   []bool{true, true, true},
		says: []string{"net.ipv4.tcp_timestamps is 1", "reuse0.json (tcp_tw_reuse 0 toward 127.0.0.1:7777):", "reuse1.json (tcp_tw_reuse 1 toward 127.0.0.1:7778):"},
	}, {
		name:    "stopped at the onset",
		sysctls: narrow("net.ipv4.tcp_timestamps", "0"),
		setup: func(t *testing.T, dir string) {
			load(t, dir, "short.json", server(t, srvA, nil), func(c *loadgen.Config) { c.Requests = 1001 })
		},
		ok: []bool{false, false, false},
		says: []string{"net.ipv4.tcp_timestamps is 0", "do: sudo sysctl -w net.ipv4.tcp_timestamps=1",
			"short.json stopped", "before tcp_tw_reuse_delay (1 s) could tell: run on with --sustain-exhaustion do: on the client VM: sudo sysctl",
			"no exhausted run with tcp_tw_reuse 1"},
	}})
}

func TestExercise6(t *testing.T) {
	runCases(t, 6, []checkCase{{
		name:    "narrow, then wide",
		sysctls: narrow(),
		setup: func(t *testing.T, dir string) {
			exhaust(t, dir, "narrow.json", server(t, srvA, nil))
			setSysctls(t, "net.ipv4.ip_local_port_range", "40000 42999")
			load(t, dir, "wide.json", server(t, srvB, nil), func(c *loadgen.Config) { c.Requests, c.Duration = 3500, 20*time.Second })
			setSysctls(t, "net.ipv4.ip_local_port_range", "30000 59999")
		},
		ok: []bool{true, true, true},
		says: []string{"ok: range widened to at least 20,000 ports: ip_local_port_range is 30000 59999, 30,000 ports",
			"narrow.json: 1,000 ports (40000-40999); wide.json: 3,000 ports (40000-42999)"},
	}, {
		name:    "still narrow",
		sysctls: narrow(),
		setup:   exhausted("narrow.json"),
		ok:      []bool{false, false, false},
		says: []string{"missing: range widened to at least 20,000 ports: ip_local_port_range is 40000 40999, 1,000 ports",
			`do: sudo sysctl -w net.ipv4.ip_local_port_range="10000 65000"`, "needs the two runs above"},
	}})
}

func TestExercise7(t *testing.T) {
	serverFirst := func(requests int64) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			target := server(t, srvA, func(c *echo.Config) { c.Close = echo.CloseServer })
			load(t, dir, "ex7.json", target, func(c *loadgen.Config) { c.AwaitClose, c.Requests = true, requests })
		}
	}
	runCases(t, 7, []checkCase{{
		name:    "more connections than ports",
		sysctls: narrow(),
		setup:   serverFirst(1500),
		ok:      []bool{true, true},
		says:    []string{"ex7.json: 1,500 requests over", "connections through 1,000 ports (40000-40999)"},
	}, {
		name:    "too few to tell",
		sysctls: narrow(),
		setup:   serverFirst(500),
		ok:      []bool{true, false},
		says:    []string{"connections, no more than its 1,000 ports (40000-40999)", "--await-close"},
	}, {
		name:    "the client closed first",
		sysctls: narrow(),
		setup:   exhausted("ex1.json"),
		ok:      []bool{false, false},
		says:    []string{"no --await-close run without EADDRNOTAVAIL", "server-closes-first"},
	}})
}

func TestExercise8(t *testing.T) {
	runCases(t, 8, []checkCase{{
		name:    "60 and 5",
		sysctls: narrow("net.ipv4.tcp_fin_timeout", "60"),
		setup: func(t *testing.T, dir string) {
			exhaust(t, dir, "fin60.json", server(t, srvA, nil))
			setSysctls(t, "net.ipv4.tcp_fin_timeout", "5")
			exhaust(t, dir, "fin5.json", server(t, srvB, nil))
		},
		ok:   []bool{true, true},
		says: []string{"tcp_fin_timeout 5 (fin5.json) and 60 (fin60.json), both with 1,000 ports (40000-40999)"},
	}, {
		name:    "one value",
		sysctls: narrow("net.ipv4.tcp_fin_timeout", "60"),
		setup: func(t *testing.T, dir string) {
			exhaust(t, dir, "a.json", server(t, srvA, nil))
			exhaust(t, dir, "b.json", server(t, srvB, nil))
		},
		ok:   []bool{false, false},
		says: []string{"a.json: tcp_fin_timeout 60, 1,000 ports (40000-40999); b.json: tcp_fin_timeout 60", "tcp_fin_timeout=5"},
	}})
}

func TestExercise9(t *testing.T) {
	runCases(t, 9, []checkCase{{
		name:    "reserved",
		sysctls: narrow("net.ipv4.ip_local_reserved_ports", "40500"),
		setup:   exhausted("ex9.json"),
		ok:      []bool{true, true, true},
		says:    []string{"ip_local_reserved_ports 40500: 1 port of 40000-40999", "ex9.json: onset after", "of 999 ports (40000-40999 less 40500)"},
	}, {
		name:    "a listener in the range",
		sysctls: narrow(),
		setup:   func(t *testing.T, dir string) { server(t, "127.0.0.1:40600", nil) },
		ok:      []bool{false, false, false},
		says: []string{"ip_local_reserved_ports reserves no port of 40000-40999",
			"127.0.0.1:40600 listen on unreserved ports of 40000-40999", "do: sudo sysctl -w net.ipv4.ip_local_reserved_ports=40600"},
	}})
}

func TestExercise10(t *testing.T) {
	httpLoad := func(t *testing.T, dir, name, target string, edit func(*loadgen.Config)) {
		load(t, dir, name, target, func(c *loadgen.Config) {
			// SO_LINGER 0: the Transport's closes leave no TIME_WAIT on
			// the host.
			c.Protocol, c.Mode, c.Concurrency, c.Requests, c.Linger = loadgen.ProtocolHTTP, loadgen.ModeKeepAlive, 32, 3000, 0
			edit(c)
		})
	}
	httpServer := func(t *testing.T) string {
		return server(t, "127.0.0.1:0", func(c *echo.Config) { c.Protocol = echo.ProtocolHTTP })
	}
	runCases(t, 10, []checkCase{{
		name: "default, then 32",
		setup: func(t *testing.T, dir string) {
			target := httpServer(t)
			// Responses finishing in parallel make the default Transport
			// churn; on few threads each worker takes back its own
			// connection (see the http-max-idle scenario), so the load
			// runs on 4, as that scenario does.
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
			httpLoad(t, dir, "idle2.json", target, func(*loadgen.Config) {})
			httpLoad(t, dir, "idle32.json", target, func(c *loadgen.Config) { c.MaxIdlePerHost = 32 })
		},
		ok:   []bool{true, true},
		says: []string{"idle2.json: MaxIdleConnsPerHost 2, 32 workers:", "ok: MaxIdleConnsPerHost at the workers keeps their connections: idle32.json: MaxIdleConnsPerHost 32, 32 workers:"},
	}, {
		name: "bodies left unread",
		setup: func(t *testing.T, dir string) {
			httpLoad(t, dir, "unread.json", httpServer(t), func(c *loadgen.Config) { c.MaxIdlePerHost, c.UnreadBody = 32, true })
		},
		ok:   []bool{false, false},
		says: []string{"no --protocol http run with --max-idle-per-host (default 2) below --concurrency", "--max-idle-per-host 32 --duration 20s", "without VMs: portlab run --topology two-hosts --out DIR http-max-idle"},
	}})
}

func TestCheckRefuses(t *testing.T) {
	for _, n := range []int{0, labcheck.Exercises + 1} {
		if _, err := labcheck.Check(n, t.TempDir()); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("exercise: must be 1 to %d", labcheck.Exercises)) {
			t.Errorf("Check(%d): got %v, want the exercise named", n, err)
		}
	}
	if _, err := labcheck.Check(1, filepath.Join(t.TempDir(), "nosuch")); err == nil {
		t.Error("Check of a missing directory: got no error")
	}
}

// The comparison portlab run --out writes beside its results is portlab's
// own, not a stray file to warn about; a stray file still is one.
func TestComparisonIsNotSkipped(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"exhaustion-report.compare.json": `{"baseline": "new-conn", "runs": [], "rows": []}`,
		"notes.json":                     `{"not": "a portlab result"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v, err := labcheck.Check(1, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Skipped) != 1 || v.Skipped[0].File != "notes.json" {
		t.Errorf("skipped %+v, want notes.json alone", v.Skipped)
	}
}

// A file that says it is a portlab result but has a bad value is the
// user's to fix: Check fails naming the file and the field, where it would
// otherwise judge the exercise without it. A file that is no result at all
// is still skipped.
func TestMalformedResultRefused(t *testing.T) {
	good := t.TempDir()
	target := server(t, "127.0.0.1:0", nil)
	load(t, good, "good.json", target, func(c *loadgen.Config) { c.Requests, c.Concurrency, c.Linger = 20, 2, 0 })
	data, err := os.ReadFile(filepath.Join(good, "good.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"negative count", `"requests_ok": 20`, `"requests_ok": -5`, "bad.json: totals.requests_ok: negative count -5"},
		{"schema version", `"schema_version": 1`, `"schema_version": 99`, "bad.json: schema_version 99 is not supported"},
		{"wrong type", `"concurrency": 2`, `"concurrency": "two"`, "bad.json: decode result: json: cannot unmarshal string into Go struct field Result.config.concurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(data, []byte(tc.old)) {
				t.Fatalf("the result has no %s", tc.old)
			}
			dir := t.TempDir()
			for name, body := range map[string][]byte{
				"good.json":  data,
				"bad.json":   bytes.Replace(data, []byte(tc.old), []byte(tc.new), 1),
				"notes.json": []byte(`{"not": "a portlab result"}`),
			} {
				if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			v, err := labcheck.Check(3, dir)
			var ie *report.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), filepath.Join(dir, tc.want)) {
				t.Fatalf("Check: %v (skipped %+v); want an InputError containing %s", err, skipped(v), filepath.Join(dir, tc.want))
			}
			// Without it, the foreign file is skipped and the good one read.
			os.Remove(filepath.Join(dir, "bad.json"))
			v, err = labcheck.Check(3, dir)
			if err != nil || len(v.Read) != 1 || len(v.Skipped) != 1 || v.Skipped[0].File != "notes.json" {
				t.Errorf("without bad.json: Check: %v (skipped %+v); want good.json read, notes.json skipped", err, skipped(v))
			}
		})
	}
}

func skipped(v *labcheck.Verdict) []labcheck.Skipped {
	if v == nil {
		return nil
	}
	return v.Skipped
}
