package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/testsupport"
)

// badResult is a result file no run writes, with (as a regexp) what its
// refusal names.
type badResult struct{ name, json, msg string }

// badResults are the table of malformed results report's own tests read
// too, less the files too large for an invocation's time bound.
func badResults(t testing.TB) []badResult {
	var rows []badResult
	for _, r := range testsupport.ReadHostileTable(t, "../../report/testdata/hostile/results.json").Results {
		if !r.InProcess {
			rows = append(rows, badResult{r.Name, r.JSON, regexp.QuoteMeta(r.Want)})
		}
	}
	return rows
}

// badScenarios are scenario files refused before any run. Scenario
// parsing is its own package's: these rows keep today's behaviour, and
// values it accepts or fails only at run time (tcp_tw_reuse: banana, a
// scenario without a name, a server payload of 3 GB) are not rows.
var badScenarios = []struct{ name, yaml, msg string }{
	{"syntax", "x: [", `b?syntax.yaml:1: did not find expected node content`},
	{"unknown key", "name: typo\nruns:\n  - name: a\n    concurency: 3\n", `unknown key.yaml:4: runs\[0\].concurency: unknown field`},
	{"no runs", "name: s\nruns: []\n", `runs: at least one run is required`},
	{"rate nan", "name: s\nruns:\n  - name: a\n    load: {rate: .nan}\n", `runs\[0\].load.rate: must be between 0 \(closed loop\) and 10000000 requests/s, got NaN`},
	{"rate inf", "name: s\nruns:\n  - name: a\n    load: {rate: .inf}\n", `runs\[0\].load.rate: must be between 0`},
	{"duration negative", "name: s\ndefaults: {duration: -1s}\nruns:\n  - name: a\n", `runs\[0\].load.duration: must be > 0`},
	{"concurrency zero", "name: s\nruns:\n  - name: a\n    load: {concurrency: 0}\n", `runs\[0\].load.concurrency: must be between 1 and 100000, got 0`},
	{"concurrency beyond ulimit", "name: s\nruns:\n  - name: a\n    load: {concurrency: 100000}\n", `runs\[0\].load.concurrency: 100000 needs 100064 descriptors`},
	{"payload huge", "name: s\nruns:\n  - name: a\n    load: {payload: 99999999999}\n", `runs\[0\]\.(load|server)\.payload: must be between 1 and 67108864 bytes`},
	{"interval 1ns", "name: s\nruns:\n  - name: a\n    load: {interval: 1ns}\n", `runs\[0\].load.interval: must be between 10ms and 24h0m0s, got 1ns`},
	{"mode", "name: s\nruns:\n  - name: a\n    load: {mode: sometimes}\n", `runs\[0\].load.mode: must be new, pool or keepalive, got "sometimes"`},
	{"target ip", "name: s\nruns:\n  - name: a\n    load: {target: \"999.1.1.1:80\"}\n", `runs\[0\].load.target: "999.1.1.1:80": "999.1.1.1" is not an IP address`},
	{"listen port", "name: s\nruns:\n  - name: a\n    server: {listen: \"127.0.0.1:99999\"}\n", `runs\[0\].server.listen: "127.0.0.1:99999": port must be from 0 to 65535, got 99999`},
	{"expect nan", "name: s\nruns:\n  - name: a\n    expect:\n      errors.EADDRNOTAVAIL: \">NaN\"\n", `runs\[0\].expect.errors.EADDRNOTAVAIL: "NaN" is not a number or prediction`},
	{"expect path", "name: s\nruns:\n  - name: a\n    expect:\n      no.such.path: \">0\"\n", `runs\[0\].expect.no.such.path: unknown result path`},
	{"port range newline", "name: s\nsandbox:\n  ip_local_port_range: \"1\\n2\"\nruns:\n  - name: a\n", `sandbox.ip_local_port_range: want "LO HI"`},
	{"unknown sysctl", "name: s\nsandbox:\n  no_such_sysctl: \"1\"\nruns:\n  - name: a\n", `sandbox.no_such_sysctl: not a sysctl the sandbox sets`},
	{"run twice", "name: s\nruns:\n  - name: a\n  - name: a\n", `runs\[1\].name: "a" is used by another run`},
	{"self alias", "a: &a [*a]\n", `unknown field`},
	{"not utf8", "\xff\xfe\x00garbage", `cannot unmarshal`},
	{"top list", "- 1\n- 2\n", `cannot unmarshal`},
	{"empty", "", `.`},
}

// row is an invocation whose message is matched literally.
func row(category string, code int, msg string, args ...string) invocation {
	return invocation{category, args, code, regexp.QuoteMeta(msg)}
}

// rowRE is an invocation whose message is a regexp.
func rowRE(category string, code int, msg string, args ...string) invocation {
	return invocation{category, args, code, msg}
}

// load is portlab load against a closed port (nothing listens on
// 127.0.0.1:1), for a second at most, with more flags.
func load(flags ...string) []string {
	return append([]string{"load", "--target", "127.0.0.1:1", "-d", "1s", "-q"}, flags...)
}

func hostileTable(tb testing.TB) []invocation {
	var t []invocation
	t = append(t, flagRows()...)
	t = append(t, loadFlagRows()...)
	t = append(t, rangeRows()...)
	t = append(t, timeRangeRows()...)
	t = append(t, serverRangeRows()...)
	t = append(t, addressRows()...)
	t = append(t, listenRows()...)
	t = append(t, fileRows()...)
	t = append(t, resultRows(tb)...)
	t = append(t, scenarioRows()...)
	t = append(t, outRows()...)
	t = append(t, conditionRows()...)
	t = append(t, runtimeRows()...)
	return t
}

// flagRows: unknown flags, missing values, values of the wrong type, stray
// arguments, for every command.
func flagRows() []invocation {
	const c = "flags"
	return []invocation{
		row(c, 2, `portlab: unknown command "bogus"`, "bogus"),
		row(c, 2, `portlab: unknown command ""`, ""),
		row(c, 2, `portlab: unknown command "--verison", did you mean version?`, "--verison"),
		row(c, 2, `portlab: unknown command "-x"`, "-x"),
		row(c, 2, `portlab version: unexpected argument "extra"`, "version", "extra"),
		row(c, 2, `portlab version: unknown flag: --json`, "version", "--json"),
		row(c, 2, `portlab version: unknown shorthand flag: 'v' in -v`, "version", "-v"),
		row(c, 2, `portlab scenarios: usage: portlab scenarios [show NAME]`, "scenarios", "bogus"),
		row(c, 2, `portlab scenarios: usage: portlab scenarios [show NAME]`, "scenarios", "show"),
		row(c, 2, `portlab scenarios: usage: portlab scenarios [show NAME]`, "scenarios", "show", "a", "b"),
		row(c, 2, `portlab scenarios: no built-in scenario "nosuch"`, "scenarios", "show", "nosuch"),
		row(c, 2, `portlab scenarios: no built-in scenario "../../etc/passwd"`, "scenarios", "show", "../../etc/passwd"),
		row(c, 2, `portlab scenarios: unknown flag: --all`, "scenarios", "--all"),
		row(c, 2, `portlab ports: unexpected argument "extra"`, "ports", "extra"),
		row(c, 2, `portlab ports: unknown flag: --bogus`, "ports", "--bogus"),
		row(c, 2, `invalid argument "soon" for "--watch" flag`, "ports", "--watch", "soon"),
		row(c, 2, `invalid argument "maybe" for "--json" flag`, "ports", "--json=maybe"),
		row(c, 2, `flag needs an argument: --watch`, "ports", "--watch"),
		row(c, 2, `portlab lab: want 'portlab lab check N' to check exercise N of LABS.md, got ""`, "lab"),
		row(c, 2, `portlab lab check: which exercise? Give its number: portlab lab check N`, "lab", "check"),
		row(c, 2, `portlab lab: want 'portlab lab check N' to check exercise N of LABS.md, got "verify 1"`, "lab", "verify", "1"),
		row(c, 2, `portlab lab: unexpected argument "2" after the exercise`, "lab", "check", "1", "2"),
		row(c, 2, `portlab lab: unknown flag: --bogus`, "lab", "check", "1", "--bogus"),
		row(c, 2, `flag needs an argument: --results`, "lab", "check", "1", "--results"),
		row(c, 2, `invalid argument "yes please" for "--json" flag`, "lab", "check", "1", "--json=yes please"),
		row(c, 2, `portlab report: unknown flag: --bogus`, "report", "--bogus", "$D/good.json"),
		row(c, 2, `portlab report: format: must be text, markdown, json or html, got "pdf"`, "report", "--format", "pdf", "$D/good.json"),
		row(c, 2, `portlab report: format: must be text, markdown, json or html, got ""`, "report", "--format=", "$D/good.json"),
		row(c, 2, `portlab report: format: must be text, markdown, json or html, got "TEXT"`, "report", "--format", "TEXT", "$D/good.json"),
		row(c, 2, `flag needs an argument: --format`, "report", "$D/good.json", "--format"),
		row(c, 2, `flag needs an argument: 'o' in -o`, "report", "$D/good.json", "-o"),
		row(c, 2, `flag needs an argument: --baseline`, "report", "$D/good.json", "--baseline"),
		row(c, 2, `portlab report: no result files: give one or more RESULT.json`, "report"),
		row(c, 2, `portlab report: no result files: give one or more RESULT.json`, "report", "--format", "json"),
		row(c, 2, `portlab report merge: no result files: give the RESULT.json of every client`, "report", "merge"),
		row(c, 2, `portlab report merge: unknown flag: --format`, "report", "merge", "--format", "json", "$D/good.json"),
		row(c, 2, `portlab report merge: unknown flag: --fail-if`, "report", "merge", "--fail-if", "elapsed_s>0", "$D/good.json"),
		row(c, 2, `flag needs an argument: --out`, "report", "merge", "$D/good.json", "--out"),
		row(c, 2, `portlab run: unknown flag: --bogus`, "run", "--bogus"),
		row(c, 2, `portlab run: topology: must be loopback, two-hosts or nat, got "star"`, "run", "--topology", "star"),
		row(c, 2, `portlab run: topology: must be loopback, two-hosts or nat, got ""`, "run", "--topology="),
		row(c, 2, `flag needs an argument: --topology`, "run", "--topology"),
		row(c, 2, `portlab run: no built-in scenario "nosuch"`, "run", "nosuch"),
		row(c, 2, `portlab run: no built-in scenario "exhaustion "`, "run", "exhaustion "),
		row(c, 2, `portlab run: no built-in scenario ""`, "run", ""),
		row(c, 2, `portlab echo: unknown flag: --bogus`, "echo", "--bogus"),
		row(c, 2, `portlab echo: unexpected argument "extra"`, "echo", "extra"),
		row(c, 2, `portlab echo: close: must be client or server, got "sometimes"`, "echo", "--close", "sometimes"),
		row(c, 2, `portlab echo: protocol: must be tcp, http or udp, got "sctp"`, "echo", "--protocol", "sctp"),
		row(c, 2, `portlab echo: protocol: must be tcp, http or udp, got "TCP"`, "echo", "--protocol", "TCP"),
		row(c, 2, `invalid argument "maybe" for "--keepalive" flag`, "echo", "--keepalive=maybe"),
		row(c, 2, `invalid argument "many" for "--payload" flag`, "echo", "--payload", "many"),
		row(c, 2, `invalid argument "soon" for "--delay" flag`, "echo", "--delay", "soon"),
		row(c, 2, `invalid argument "5" for "--drain" flag`, "echo", "--drain", "5"),
		row(c, 2, `flag needs an argument: --listen`, "echo", "--listen"),
	}
}

// loadFlagRows: portlab load's flags.
func loadFlagRows() []invocation {
	const c = "flags"
	return []invocation{
		row(c, 2, `portlab load: unknown flag: --bogus`, load("--bogus")...),
		row(c, 2, `portlab load: unexpected argument "extra"`, load("extra")...),
		row(c, 2, `portlab load: target: required (HOST:PORT)`, "load"),
		row(c, 2, `portlab load: target: required (HOST:PORT)`, "load", "--target", ""),
		row(c, 2, `portlab load: mode: must be new, pool or keepalive, got "sometimes"`, load("--mode", "sometimes")...),
		row(c, 2, `portlab load: protocol: must be tcp, http or udp, got "quic"`, load("--protocol", "quic")...),
		row(c, 2, `invalid argument "many" for "-c, --concurrency" flag`, load("-c", "many")...),
		row(c, 2, `invalid argument "forever" for "-d, --duration" flag`, load("--duration", "forever")...),
		row(c, 2, `invalid argument "10" for "-d, --duration" flag`, load("--duration", "10")...),
		row(c, 2, `invalid argument "fast" for "--rate" flag`, load("--rate", "fast")...),
		row(c, 2, `invalid argument "0x" for "--payload" flag`, load("--payload", "0x")...),
		row(c, 2, `invalid argument "1.5" for "-n, --requests" flag`, load("-n", "1.5")...),
		row(c, 2, `invalid argument "yes" for "--reuseaddr" flag`, load("--reuseaddr=yes")...),
		row(c, 2, `flag needs an argument: --target`, "load", "--target"),
		row(c, 2, `flag needs an argument: 'c' in -c`, load("-c")...),
		row(c, 2, `portlab load: pool-size: only applies to --mode pool, got mode "new"`, load("--pool-size", "4")...),
		row(c, 2, `portlab load: requests-per-conn: only applies to --mode keepalive, got mode "new"`, load("--requests-per-conn", "4")...),
		row(c, 2, `portlab load: await-close: only applies to --mode new, got mode "pool"`, load("--mode", "pool", "--await-close")...),
		row(c, 2, `portlab load: method: only applies to --protocol http, got protocol "tcp"`, load("--method", "GET")...),
		row(c, 2, `portlab load: unread-body: only applies to --protocol http, got protocol "tcp"`, load("--unread-body")...),
		row(c, 2, `portlab load: hold: only applies to --protocol udp, got protocol "tcp"`, load("--hold")...),
		row(c, 2, `portlab load: max-idle-per-host: only applies to --protocol http`, load("--max-idle-per-host", "4")...),
		row(c, 2, `portlab load: max-conns-per-host: only applies to --protocol http`, load("--max-conns-per-host", "4")...),
		row(c, 2, `portlab load: disable-keepalives: only applies to --protocol http, got protocol "tcp"`, load("--disable-keepalives")...),
		row(c, 2, `portlab load: disable-keepalives: contradicts --mode keepalive (it is --mode new)`,
			"load", "--protocol", "http", "--target", "127.0.0.1:1", "--mode", "keepalive", "--disable-keepalives"),
		row(c, 2, `unexpected argument "T"`, "load", "--protocol", "http", "--target", "127.0.0.1:1", "--method", "GE", "T"),
	}
}

// rangeRows: numbers out of range, negative, NaN, Inf, huge, and
// resources beyond this process's limits.
func rangeRows() []invocation {
	const c = "values"
	return []invocation{
		row(c, 2, `concurrency: must be between 1 and 100000, got 0`, load("-c", "0")...),
		row(c, 2, `concurrency: must be between 1 and 100000, got -3`, load("-c", "-3")...),
		row(c, 2, `concurrency: must be between 1 and 100000, got 100001`, load("-c", "100001")...),
		row(c, 2, `invalid argument "1e9" for "-c, --concurrency" flag`, load("-c", "1e9")...),
		row(c, 2, `invalid argument "99999999999999999999" for "-c, --concurrency" flag`, load("-c", "99999999999999999999")...),
		row(c, 2, `concurrency: 5000 needs 5064 descriptors (a socket each, plus 64 for the process); ulimit -n is 4096`, load("-c", "5000")...),
		row(c, 2, `concurrency: 100000 needs 100064 descriptors`, load("-c", "100000")...),
		row(c, 2, `concurrency: 5000 needs 5064 descriptors`, "load", "--protocol", "http", "--target", "127.0.0.1:1", "-c", "5000"),
		row(c, 2, `concurrency: 5000 needs 5064 descriptors`, "load", "--protocol", "udp", "--target", "127.0.0.1:1", "-c", "5000"),
		row(c, 2, `pool-size: must be between 0 (= concurrency) and 100000, got -1`, load("--mode", "pool", "--pool-size", "-1")...),
		row(c, 2, `pool-size: must be between 0 (= concurrency) and 100000, got 100000000`, load("--mode", "pool", "--pool-size", "100000000")...),
		row(c, 2, `pool-size: 50000 needs 50064 descriptors`, load("--mode", "pool", "--pool-size", "50000")...),
		row(c, 2, `concurrency: 5000 needs 5064 descriptors`, load("--mode", "pool", "-c", "5000")...),
		row(c, 2, `requests-per-conn: must be >= 0 (0 = unlimited), got -1`, load("--mode", "keepalive", "--requests-per-conn", "-1")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got NaN`, load("--rate", "NaN")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got NaN`, load("--rate", "nan")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got +Inf`, load("--rate", "Inf")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got +Inf`, load("--rate", "+inf")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got -Inf`, load("--rate", "-Inf")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got -1`, load("--rate", "-1")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got 1e+08`, load("--rate", "1e8")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got 1e+300`, load("--rate", "1e300")...),
		row(c, 2, `invalid argument "1e400" for "--rate" flag`, load("--rate", "1e400")...),
		row(c, 2, `rate: must be 0 (closed loop) or at least 1/duration, 1 requests/s for duration 1s, got 1e-300`, load("--rate", "1e-300")...),
		row(c, 2, `rate: must be 0 (closed loop) or at least 1/duration, 1 requests/s for duration 1s, got 0.5`, load("--rate", "0.5")...),
		row(c, 2, `rate: must be 0 (closed loop) or at least 1/duration`, load("--rate", "4.9e-324")...),
		row(c, 2, `rate: must be between 0 (closed loop) and 10000000 requests/s, got -0.001`, load("--rate", "-0.001")...),
		row(c, 2, `duration: must be > 0 and <= 24h0m0s, got 0s`, load("-d", "0")...),
		row(c, 2, `duration: must be > 0 and <= 24h0m0s, got -1s`, load("-d", "-1s")...),
		row(c, 2, `duration: must be > 0 and <= 24h0m0s, got 25h0m0s`, load("-d", "25h")...),
		row(c, 2, `invalid argument "99999999h" for "-d, --duration" flag`, load("-d", "99999999h")...),
		row(c, 2, `invalid argument "NaNs" for "-d, --duration" flag`, load("-d", "NaNs")...),
		row(c, 2, `requests: must be >= 0 (0 = no count limit), got -1`, load("-n", "-1")...),
		row(c, 2, `invalid argument "9223372036854775808" for "-n, --requests" flag`, load("-n", "9223372036854775808")...),
		row(c, 2, `payload: must be between 1 and 67108864 bytes for --protocol tcp, got 0`, load("--payload", "0")...),
		row(c, 2, `payload: must be between 1 and 67108864 bytes for --protocol tcp, got -1`, load("--payload", "-1")...),
		row(c, 2, `payload: must be between 1 and 67108864 bytes for --protocol tcp, got 3000000000`, load("--payload", "3000000000")...),
		row(c, 2, `payload: must be between 1 and 65507 bytes for --protocol udp, got 65508`, "load", "--protocol", "udp", "--target", "127.0.0.1:1", "--payload", "65508"),
		row(c, 2, `payload: must be between 0 and 67108864 bytes for --protocol http, got -5`, "load", "--protocol", "http", "--target", "127.0.0.1:1", "--payload", "-5"),
		row(c, 2, `payload: 67108864 bytes with concurrency 4000 needs 500.0 GiB of buffers`, load("--payload", "67108864", "-c", "4000")...),
	}
}

// timeRangeRows: load's times and socket knobs out of range.
func timeRangeRows() []invocation {
	const c = "values"
	return []invocation{
		row(c, 2, `connect-timeout: must be > 0 and <= 24h0m0s, got 0s`, load("--connect-timeout", "0")...),
		row(c, 2, `connect-timeout: must be > 0 and <= 24h0m0s, got -1s`, load("--connect-timeout", "-1s")...),
		row(c, 2, `connect-timeout: must be > 0 and <= 24h0m0s, got 100000h0m0s`, load("--connect-timeout", "100000h")...),
		row(c, 2, `timeout: must be > 0 and <= 24h0m0s, got 0s`, load("--timeout", "0")...),
		row(c, 2, `timeout: must be > 0 and <= 24h0m0s, got 1000000h0m0s`, load("--timeout", "1000000h")...),
		row(c, 2, `linger: must be -1 (kernel default), 0 (RST on close) or seconds from 1 to 65535, got -5`, load("--linger", "-5")...),
		row(c, 2, `linger: must be -1 (kernel default), 0 (RST on close) or seconds from 1 to 65535, got 99999999`, load("--linger", "99999999")...),
		row(c, 2, `interval: must be between 10ms and 24h0m0s, got 1ns`, load("--interval", "1ns")...),
		row(c, 2, `interval: must be between 10ms and 24h0m0s, got 0s`, load("--interval", "0")...),
		row(c, 2, `interval: must be between 10ms and 24h0m0s, got -1s`, load("--interval", "-1s")...),
		row(c, 2, `interval: must be between 10ms and 24h0m0s, got 100000h0m0s`, load("--interval", "100000h")...),
		row(c, 2, `max-idle-per-host: must be >= 0 (0 = Go's default, 2), got -1`, "load", "--protocol", "http", "--target", "127.0.0.1:1", "--max-idle-per-host", "-1"),
		row(c, 2, `max-conns-per-host: must be >= 0 (0 = no limit), got -1`, "load", "--protocol", "http", "--target", "127.0.0.1:1", "--max-conns-per-host", "-1"),
	}
}

// serverRangeRows: echo, ports and lab values out of range.
func serverRangeRows() []invocation {
	const c = "values"
	return []invocation{
		row(c, 2, `echo: payload: must be between 1 and 67108864 bytes (64 MiB), got 0`, "echo", "--payload", "0"),
		row(c, 2, `echo: payload: must be between 1 and 67108864 bytes (64 MiB), got -1`, "echo", "--payload", "-1"),
		row(c, 2, `echo: payload: must be between 1 and 67108864 bytes (64 MiB), got 3000000000`, "echo", "--protocol", "http", "--payload", "3000000000"),
		row(c, 2, `echo: payload: must be between 1 and 67108864 bytes (64 MiB), got 67108865`, "echo", "--payload", "67108865"),
		row(c, 2, `invalid argument "99999999999999999999" for "--payload" flag`, "echo", "--payload", "99999999999999999999"),
		row(c, 2, `echo: backlog: must be 0..2147483647, got -5`, "echo", "--backlog", "-5"),
		row(c, 2, `echo: max-conns: must be >= 0, got -1`, "echo", "--max-conns", "-1"),
		row(c, 2, `echo: delay: must be >= 0, got -1s`, "echo", "--delay", "-1s"),
		row(c, 2, `echo: linger: must be -1..2147483647, got -2`, "echo", "--linger", "-2"),
		row(c, 2, `echo: read-timeout: must be >= 0 (0 = no limit), got -1s`, "echo", "--read-timeout", "-1s"),
		rowRE(c, 2, `echo: read-header-timeout: must be >= 0`, "echo", "--read-header-timeout", "-1s"),
		rowRE(c, 2, `echo: write-timeout: must be >= 0`, "echo", "--write-timeout", "-1s"),
		rowRE(c, 2, `echo: idle-timeout: must be >= 0`, "echo", "--idle-timeout", "-1s"),
		row(c, 2, `echo: drain: must be between 0 and 24h0m0s, got -1s`, "echo", "--drain", "-1s"),
		row(c, 2, `echo: drain: must be between 0 and 24h0m0s, got 100000h0m0s`, "echo", "--drain", "100000h"),
		row(c, 2, `ports: watch: must be >= 100ms, got -1s`, "ports", "--watch", "-1s"),
		row(c, 2, `ports: watch: must be >= 100ms, got 1ns`, "ports", "--watch", "1ns"),
		row(c, 2, `ports: serve: "127.0.0.1:99999": port must be from 0 to 65535, got 99999`, "ports", "--serve", "127.0.0.1:99999"),
		row(c, 2, `ports: serve: "999.1.1.1:9100": "999.1.1.1" is not an IP address`, "ports", "--serve", "999.1.1.1:9100"),
		row(c, 2, `ports: serve: "localhost" is not HOST:PORT`, "ports", "--serve", "localhost"),
		row(c, 2, `load: metrics: "127.0.0.1:99999": port must be from 0 to 65535, got 99999`, "load", "--target", "127.0.0.1:1", "--metrics", "127.0.0.1:99999"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "0"`, "lab", "check", "0"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "-1"`, "lab", "check", "--", "-1"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "12"`, "lab", "check", "12"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "99999999999999999999"`, "lab", "check", "99999999999999999999"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "NaN"`, "lab", "check", "NaN"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "1.5"`, "lab", "check", "1.5"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got "x"`, "lab", "check", "x"),
		row(c, 2, `lab: exercise: must be a number from 1 to 11, got ""`, "lab", "check", ""),
	}
}

// addressRows: targets, source addresses and listen addresses the kernel
// could never use.
func addressRows() []invocation {
	const c = "addresses"
	var rows []invocation
	for _, tc := range []struct{ target, msg string }{
		{"127.0.0.1:99999", `target: "127.0.0.1:99999": port must be from 1 to 65535, got 99999`},
		{":0", `target: ":0": port must be from 1 to 65535, got 0`},
		{"127.0.0.1:0", `target: "127.0.0.1:0": port must be from 1 to 65535, got 0`},
		{"127.0.0.1:-1", `target: "127.0.0.1:-1": port must be from 1 to 65535, got -1`},
		{"127.0.0.1:", `target: "127.0.0.1:" has no port`},
		{"127.0.0.1", `target: "127.0.0.1" is not HOST:PORT`},
		{"nowhere", `target: "nowhere" is not HOST:PORT`},
		{"999.999.999.999:80", `target: "999.999.999.999:80": "999.999.999.999" is not an IP address`},
		{"1.2.3:80", `target: "1.2.3:80": "1.2.3" is not an IP address`},
		{"127.0.0.1:nosuchservice", `port "nosuchservice" is neither a number from 1 to 65535 nor a known tcp service`},
		{"127.0.0.1:1,127.0.0.1:70000", `target: "127.0.0.1:70000": port must be from 1 to 65535, got 70000`},
		{"127.0.0.1:1,", `target: "" is not HOST:PORT`},
		{"[::g]:80", `target: "[::g]:80": "::g" is not an IP address`},
		{"::1:80", `target: "::1:80" is not HOST:PORT`},
		{"[::1]:99999", `port must be from 1 to 65535, got 99999`},
		{"a b:80", `is not a host name`},
		{strings.Repeat("a", 300) + ":80", `host name is 300 bytes long, at most 253`},
		{strings.Repeat("a", 64) + ".com:80", `is not a host name`},
		{"exa$mple.com:80", `is not a host name`},
		{"http://127.0.0.1:80/", `target: "http://127.0.0.1:80/" is a URL, but --protocol is tcp: did you mean --protocol http?`},
		{"127.0.0.1:80\x00", `port "80\x00" is neither a number`},
		{"127.0.0.1:0x50", `port "0x50" is neither a number`},
		{"127.0.0.1:+80", `target: "127.0.0.1:+80": port must be from 1 to 65535, got +80`},
		{"127.0.0.1:080000", `target: "127.0.0.1:080000": port must be from 1 to 65535, got 080000`},
	} {
		rows = append(rows, row(c, 2, tc.msg, "load", "-q", "--target", tc.target))
	}
	for _, tc := range []struct{ target, msg string }{
		{"http://127.0.0.1:0/", `target: "http://127.0.0.1:0/": port must be from 1 to 65535, got 0`},
		{"127.0.0.1:99999", `target: "127.0.0.1:99999": port must be from 1 to 65535, got 99999`},
		{"http://999.1.1.1:80/", `"999.1.1.1" is not an IP address`},
		{"https://127.0.0.1:0/", `target: "https://127.0.0.1:0/": port must be from 1 to 65535, got 0`},
		{"ftp://127.0.0.1/", `only http:// and https:// URLs are supported`},
		{"http://", `target: "http://"`},
		{"http://127.0.0.1:80/%zz", `target: "http://127.0.0.1:80/%zz"`},
	} {
		rows = append(rows, row(c, 2, tc.msg, "load", "-q", "--protocol", "http", "--target", tc.target))
	}
	rows = append(rows,
		row(c, 2, `target: "127.0.0.1:0": port must be from 1 to 65535, got 0`, "load", "--protocol", "udp", "--target", "127.0.0.1:0"),
		row(c, 2, `target: one destination for --protocol udp, got 2`, "load", "--protocol", "udp", "--target", "127.0.0.1:1,127.0.0.1:2"),
		row(c, 2, `port "nosuchservice" is neither a number from 1 to 65535 nor a known udp service`, "load", "--protocol", "udp", "--target", "127.0.0.1:nosuchservice"),
		row(c, 2, `source-ips: ::1 is IPv6 but target 127.0.0.1:1 is IPv4`, load("--source-ips", "::1")...),
		row(c, 2, `source-ips: 127.0.0.1 is IPv4 but target [::1]:1 is IPv6`, "load", "--target", "[::1]:1", "--source-ips", "127.0.0.1"),
		row(c, 2, `source-ips: "1.2.3" is not an IP address`, load("--source-ips", "1.2.3")...),
		row(c, 2, `source-ips: "" is not an IP address`, load("--source-ips", "127.0.0.1,")...),
		row(c, 2, `source-ips: "localhost" is not an IP address`, load("--source-ips", "localhost")...),
		row(c, 2, `source-ips: "127.0.0.1/8" is not an IP address`, load("--source-ips", "127.0.0.1/8")...),
		row(c, 2, `source-ips: 127.0.0.1 is given twice`, load("--source-ips", "127.0.0.1,127.0.0.1")...),
		row(c, 2, `source-ips: 127.0.0.2 is given twice`, load("--source-ips", "127.0.0.2", "--source-ips", "127.0.0.3,127.0.0.2")...),
	)
	return rows
}

// listenRows: echo's listen addresses the kernel could never bind.
func listenRows() []invocation {
	const c = "addresses"
	var rows []invocation
	for _, tc := range []struct{ listen, msg string }{
		{"127.0.0.1:99999", `listen: "127.0.0.1:99999": port must be from 0 to 65535, got 99999`},
		{":-1", `listen: ":-1": port must be from 0 to 65535, got -1`},
		{"999.1.1.1:8000", `listen: `},
		{"127.0.0.1", `listen: `},
		{"nowhere", `listen: `},
		{"[::g]:80", `listen: `},
		{"127.0.0.1:http-nope", `listen: `},
	} {
		rows = append(rows, rowRE(c, 2, regexp.QuoteMeta("portlab echo: "+tc.msg), "echo", "--listen", tc.listen))
	}
	return rows
}

// fileRows: inputs that are not result files at all: FIFOs, devices,
// directories, symlinks to them, sockets, missing and oversized files.
func fileRows() []invocation {
	const c = "special files"
	var rows []invocation
	for _, tc := range []struct{ file, msg string }{
		{"fifo.json", `fifo.json: not a regular file (a FIFO)`},
		{"linkfifo.json", `linkfifo.json: not a regular file (a FIFO)`},
		{"zero.json", `zero.json: not a regular file (a device)`},
		{"null.json", `null.json: not a regular file (a device)`},
		{"dir.json", `dir.json: not a regular file (a directory)`},
		{"linkdir.json", `linkdir.json: not a regular file (a directory)`},
		{"sock.json", `sock.json: not a regular file (a socket)`},
		{"dangling.json", `dangling.json: no such file or directory`},
		{"loop.json", `loop.json: too many levels of symbolic links`},
		{"nosuch.json", `nosuch.json: no such file or directory`},
		{"huge.json", `huge.json: 67108865 bytes is larger than a result may be (64 MiB)`},
		{"notadir/x.json", `notadir/x.json: not a directory`},
	} {
		file, msg := regexp.QuoteMeta("$D/"+tc.file), regexp.QuoteMeta(strings.TrimPrefix(tc.msg, tc.file+": "))
		rows = append(rows,
			rowRE(c, 2, "^portlab report: "+file+": (open "+file+": )?"+msg, "report", "$D/good.json", "$D/"+tc.file),
			rowRE(c, 2, "^portlab report merge: "+file+": (open "+file+": )?"+msg, "report", "merge", "$D/good.json", "$D/"+tc.file),
		)
	}
	for _, f := range []string{"/dev/zero", "/dev/null", "/proc/self/status", "/"} {
		rows = append(rows, rowRE(c, 2, "portlab report: "+regexp.QuoteMeta(f)+": ", "report", f))
	}
	rows = append(rows,
		row(c, 2, `portlab report: baseline: $D/fifo.json: not a regular file (a FIFO)`, "report", "--baseline", "$D/fifo.json", "$D/good.json"),
		row(c, 2, `portlab report: baseline: $D/zero.json: not a regular file (a device)`, "report", "--baseline", "$D/zero.json", "$D/good.json"),
		row(c, 2, `portlab report: baseline: "nosuch" is neither an input's file or label nor a result file`, "report", "--baseline", "nosuch", "$D/good.json"),
		row(c, 2, `portlab lab: results: open $D/nosuch: no such file or directory`, "lab", "check", "1", "--results", "$D/nosuch"),
		row(c, 2, `portlab lab: results: open $D/fifo.json: not a directory`, "lab", "check", "1", "--results", "$D/fifo.json"),
		row(c, 2, `portlab lab: results: open $D/zerodir: not a directory`, "lab", "check", "1", "--results", "$D/zerodir"),
		row(c, 2, `portlab lab: results: open $D/good.json: not a directory`, "lab", "check", "1", "--results", "$D/good.json"),
		row(c, 2, `portlab lab: results: open /dev/null: not a directory`, "lab", "check", "1", "--results", "/dev/null"),
		// A results directory may hold other JSON files: they are
		// skipped, named, and the exercise is not done (exit 1).
		rowRE(c, 1, `^$`, "lab", "check", "1", "--results", "$D/results"),
		rowRE(c, 1, `^$`, "lab", "check", "1", "--results", "$D/emptyresults"),
		row(c, 2, `portlab run: invalid scenario: $D/fifo.yaml: not a regular file (a FIFO): a scenario is a YAML file`, "run", "$D/fifo.yaml"),
		row(c, 2, `portlab run: invalid scenario: $D/linkfifo.yaml: not a regular file (a FIFO): a scenario is a YAML file`, "run", "$D/linkfifo.yaml"),
		row(c, 2, `portlab run: invalid scenario: $D/zero.yaml: not a regular file (a device): a scenario is a YAML file`, "run", "$D/zero.yaml"),
		row(c, 2, `portlab run: invalid scenario: $D/null.yaml: not a regular file (a device): a scenario is a YAML file`, "run", "$D/null.yaml"),
		row(c, 2, `portlab run: invalid scenario: /dev/zero: not a regular file (a device): a scenario is a YAML file`, "run", "/dev/zero"),
		rowRE(c, 2, `portlab run: invalid scenario: \S+/dir.yaml: not a regular file \(a directory\)`, "run", "$D/dir.yaml"),
		rowRE(c, 2, `portlab run: invalid scenario: \S+/dangling.yaml: open \S+/dangling.yaml: no such file or directory`, "run", "$D/dangling.yaml"),
		rowRE(c, 2, `portlab run: invalid scenario: \S+/nosuch.yaml: open \S+/nosuch.yaml: no such file or directory`, "run", "$D/nosuch.yaml"),
	)
	return rows
}

// resultRows: every malformed result, to report and to report merge, and
// inputs that do not merge.
func resultRows(t testing.TB) []invocation {
	const c = "result JSON"
	var rows []invocation
	for _, j := range badResults(t) {
		file := "$D/" + j.name + ".json"
		rows = append(rows,
			rowRE(c, 2, "^portlab report: "+regexp.QuoteMeta(file)+": .*"+j.msg, "report", file),
			rowRE(c, 2, "^portlab report merge: "+regexp.QuoteMeta(file)+": .*"+j.msg, "report", "merge", "$D/good.json", file),
		)
	}
	rows = append(rows,
		rowRE(c, 2, `^portlab report merge: .*span`, "report", "merge", "$D/good.json", "$D/late.json"),
		row(c, 2, `portlab report merge: $D/good.json is given twice (inputs 1 and 2): a merge would count that client twice`,
			"report", "merge", "$D/good.json", "$D/good.json"),
		row(c, 2, `portlab report merge: $D/results/../good.json is given twice (inputs 1 and 3)`,
			"report", "merge", "$D/good.json", "$D/late.json", "$D/results/../good.json"),
		row(c, 2, `portlab report merge: $D/goodlink.json is given twice (inputs 1 and 2)`, "report", "merge", "$D/good.json", "$D/goodlink.json"),
		rowRE(c, 2, `^portlab report: baseline: \S+/bare schema.json: started_at: missing`, "report", "--baseline", "$D/bare schema.json", "$D/good.json"),
	)
	return rows
}

// scenarioRows: scenario files refused before any run.
func scenarioRows() []invocation {
	const c = "scenario files"
	var rows []invocation
	for _, s := range badScenarios {
		rows = append(rows, rowRE(c, 2, "^portlab run: .*"+s.msg, "run", "$D/"+s.name+".yaml"))
	}
	rows = append(rows, rowRE(c, 2, "^portlab run: .*rate: must be between 0", "run", "exhaustion", "$D/rate nan.yaml"))
	return rows
}

// outRows: --out where no result or report could be written, checked
// before any work.
func outRows() []invocation {
	const c = "out"
	var rows []invocation
	for _, tc := range []struct{ out, msg string }{
		{"$D/missing/r.json", `out: directory $D/missing does not exist`},
		{"$D/dir.json", `out: $D/dir.json is a directory; give a file name`},
		{"$D/fifo.json", `out: $D/fifo.json is not a regular file; give a file name`},
		{"/dev/null", `out: /dev/null is not a regular file; give a file name`},
		{"/dev/zero", `out: /dev/zero is not a regular file; give a file name`},
		{"$D/sock.json", `out: $D/sock.json is not a regular file; give a file name`},
		{"/proc/r.json", `out: cannot create a file in /proc: no such file or directory`},
		{"$D/notadir/r.json", `out: $D/notadir is not a directory`},
		{"$D/", `out: $D/ is a directory; give a file name`},
	} {
		rows = append(rows,
			row(c, 2, "portlab load: "+tc.msg, load("--out", tc.out)...),
			row(c, 2, "portlab report: "+tc.msg, "report", "$D/good.json", "-o", tc.out),
			row(c, 2, "portlab report merge: "+tc.msg, "report", "merge", "$D/good.json", "-o", tc.out),
		)
	}
	rows = append(rows,
		row(c, 2, `portlab run: out: mkdir $D/notadir: not a directory`, "run", "--out", "$D/notadir"),
		row(c, 2, `portlab run: out: mkdir $D/notadir: not a directory`, "run", "--out", "$D/notadir/sub"),
		row(c, 2, `portlab run: out: mkdir /proc/portlab-lab: no such file or directory`, "run", "--out", "/proc/portlab-lab"),
		row(c, 2, `portlab run: out: cannot create a file in /proc/self: `, "run", "--out", "/proc/self"),
		row(c, 2, `portlab run: out: mkdir $D/fifo.json: not a directory`, "run", "--out", "$D/fifo.json"),
		row(c, 2, `portlab run: out: mkdir /dev/null: not a directory`, "run", "--out", "/dev/null"),
	)
	return rows
}

// conditionRows: --fail-if conditions that cannot be evaluated.
func conditionRows() []invocation {
	const c = "fail-if"
	var rows []invocation
	for _, tc := range []struct{ cond, msg string }{
		{"errors.EADDRNOTAVAIL", `fail-if: `},
		{"", `fail-if: `},
		{">0", `fail-if: `},
		{"errors.EADDRNOTAVAIL>NaN", `fail-if: `},
		{"errors.EADDRNOTAVAIL>Inf", `fail-if: `},
		{"errors.EADDRNOTAVAIL>>0", `fail-if: `},
		{"errors.NOSUCH>0", `fail-if: `},
		{"no.such.path>0", `fail-if: `},
		{"latency.total.p42_us>0", `fail-if: `},
		{"totals.requests_ok>1e400", `fail-if: `},
		{"totals.requests_ok>abc", `fail-if: `},
		{"totals.requests_ok=1", `fail-if: `},
	} {
		rows = append(rows,
			rowRE(c, 2, "portlab report: "+regexp.QuoteMeta(tc.msg), "report", "$D/good.json", "--fail-if", tc.cond),
			rowRE(c, 2, "portlab load: "+regexp.QuoteMeta(tc.msg), load("--fail-if", tc.cond)...),
		)
	}
	rows = append(rows,
		rowRE(c, 2, `portlab run: fail-if: `, "run", "--fail-if", "no.such.path>0"),
		rowRE(c, 2, `portlab run: fail-if: `, "run", "--fail-if", "errors.EADDRNOTAVAIL>NaN"),
	)
	return rows
}

// runtimeRows: valid invocations that fail while running: exit 1.
func runtimeRows() []invocation {
	const c = "runtime"
	busy := func() string {
		// The test process's own listener: echo cannot listen there.
		return fmt.Sprintf("127.0.0.1:%d", busyPort)
	}
	return []invocation{
		row(c, 1, `portlab load: target unreachable: 127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused`, load()...),
		row(c, 1, `target unreachable: 127.0.0.1:1`, load("--mode", "pool")...),
		row(c, 1, `target unreachable: 127.0.0.1:1`, load("--mode", "keepalive")...),
		row(c, 1, `target unreachable: 127.0.0.1:1`, load("--rate", "100")...),
		row(c, 1, `target unreachable: 127.0.0.1:1`, "load", "--protocol", "http", "--target", "http://127.0.0.1:1/", "-d", "1s"),
		row(c, 1, `target unreachable: 127.0.0.1:1`, "load", "--protocol", "udp", "--target", "127.0.0.1:1", "-d", "1s"),
		row(c, 1, `target unreachable: 127.0.0.1:1`, "load", "--target", "127.0.0.1:1,127.0.0.1:2", "-d", "1s"),
		row(c, 1, `target unreachable: 127.0.0.1:1`, load("--out", "$D/unreachable.json")...),
		rowRE(c, 1, `portlab echo: .*address already in use`, "echo", "--listen", busy()),
		rowRE(c, 1, `portlab echo: .*address already in use`, "echo", "--protocol", "http", "--listen", busy()),
	}
}
