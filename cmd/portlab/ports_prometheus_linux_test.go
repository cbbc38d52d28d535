package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/echo/echotest"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
)

// Addresses inside the test's namespace.
const (
	promExporter = "127.0.0.1:9101"
	promLoad     = "127.0.0.1:9102" // portlab load --metrics
	promServer   = "127.0.0.1:9090"
)

// alert names an alert and the label that carries the test's target.
type alert struct{ name, label string }

// TestPrometheusScrapesAndAlerts runs Debian's prometheus server with the
// shipped alert rules in a private namespace, scraping portlab ports
// --serve while portlab load drives the ports toward an echo server there,
// and asks the Prometheus HTTP API until the alerts fire for it:
//   - exhausted at once: the usage ratio is >= 0.6 and the warning,
//     critical and listener-in-range alerts fire, and every dashboard
//     query runs;
//   - at 20 new connections/s, the 1,000 ports last under a minute: the
//     forecast alert fires.
//
// Skips without prometheus unless PORTLAB_REQUIRE_NETNS=1.
func TestPrometheusScrapesAndAlerts(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	testsupport.Require(t, testsupport.EnvRequireNetns, err)
	deploy, err := filepath.Abs(filepath.Join("..", "..", "deploy", "prometheus"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		load   []string
		usage  bool
		alerts []alert
	}{
		{"exhausted", []string{"-c", "4", "--metrics", promLoad}, true, []alert{
			{"EphemeralPortsWarning", "destination"},
			{"EphemeralPortsCritical", "destination"},
			// The echo server listens inside the range: port 0 picks there.
			{"EphemeralPortListenerInRange", "address"},
		}},
		{"runs out soon", []string{"-c", "2", "--rate", "20"}, false, []alert{{"EphemeralPortsRunOutSoon", "destination"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			netnstest.Run(t, map[string]string{
				"net.ipv4.ip_local_port_range": "40000 40999",
				"net.ipv4.tcp_tw_reuse":        "0",
			}, func(t *testing.T) {
				serveExporter(t)
				startPrometheus(t, prom, fastRules(t, filepath.Join(deploy, "portlab-rules.yml")))
				target := echotest.Start(t, nil).Addr().String()
				startLoad(t, target, tc.load...)
				if tc.usage {
					checkUsage(t, target)
				}
				for _, a := range tc.alerts {
					var state string
					if !poll(func() bool { state = alertState(t, a.name, a.label, target); return state == "firing" }) {
						t.Fatalf("%s for %s never fired (last state %q)", a.name, target, state)
					}
					t.Logf("%s fired for %s", a.name, target)
				}
				if tc.usage {
					checkDashboard(t, filepath.Join(deploy, "grafana-portlab-ports.json"), "usage_ratio")
					checkLoadMetrics(t)
					checkDashboard(t, filepath.Join(deploy, "grafana-portlab-load.json"), "portlab_load_")
				}
			})
		})
	}
}

// checkUsage waits until Prometheus has the usage ratio of target >= 0.6.
func checkUsage(t *testing.T, target string) {
	dest := fmt.Sprintf("{destination=%q}", target)
	var ratio float64
	if !poll(func() bool {
		ratio = queryValue(t, "portlab_ports_usage_ratio"+dest)
		return ratio >= 0.6
	}) {
		t.Fatalf("Prometheus never saw portlab_ports_usage_ratio%s >= 0.6 (last %v)", dest, ratio)
	}
	t.Logf("portlab_ports_usage_ratio%s = %v", dest, ratio)
}

// checkLoadMetrics waits until Prometheus has scraped portlab load
// --metrics: requests that succeeded, and the EADDRNOTAVAIL errors of the
// exhaustion the load drives.
func checkLoadMetrics(t *testing.T) {
	for _, q := range []string{
		`portlab_load_requests_total{outcome="ok"}`,
		`portlab_load_errors_total{class="EADDRNOTAVAIL"}`,
		`portlab_load_connections_opened_total`,
		`portlab_load_latency_seconds_count`,
	} {
		var v float64
		if !poll(func() bool { v = queryValue(t, q); return v > 0 }) {
			t.Fatalf("Prometheus never saw %s > 0 (last %v)", q, v)
		}
		t.Logf("%s = %v", q, v)
	}
}

// checkDashboard runs every query of the Grafana dashboard against the
// server: each must parse, and those that name mustHaveData must return
// data.
func checkDashboard(t *testing.T, path, mustHaveData string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			q := strings.ReplaceAll(tg.Expr, "$instance", ".*")
			var data struct {
				Result []json.RawMessage `json:"result"`
			}
			answered := func() bool { return apiGet(t, "/api/v1/query?query="+url.QueryEscape(q), &data) }
			if strings.Contains(q, mustHaveData) {
				// A rate needs two scrapes in its window: wait for them.
				poll(func() bool { return answered() && len(data.Result) > 0 })
			}
			if !answered() {
				t.Errorf("dashboard panel %q: query %s failed", p.Title, q)
			} else if strings.Contains(q, mustHaveData) && len(data.Result) == 0 {
				t.Errorf("dashboard panel %q: query %s returned no series", p.Title, q)
			}
		}
	}
}

// fastRules copies the shipped rules with every `for:` cut to 5 s, so the
// alerts fire in seconds rather than minutes; promtool's unit tests
// (deploy/prometheus/portlab-rules.test.yml) check the shipped durations.
func fastRules(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	forClause := regexp.MustCompile(`(?m)^(\s+for:) \S+$`)
	if !forClause.Match(b) {
		t.Fatalf("%s has no for: clause to shorten", path)
	}
	fast := filepath.Join(t.TempDir(), "portlab-rules.yml")
	if err := os.WriteFile(fast, forClause.ReplaceAll(b, []byte("$1 5s")), 0o644); err != nil {
		t.Fatal(err)
	}
	return fast
}

// poll calls cond up to 600 times, 200 ms apart, until it holds.
func poll(cond func() bool) bool {
	for range 600 {
		if cond() {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

// serveExporter runs portlab ports --serve in this process until the test
// ends.
func serveExporter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr bytes.Buffer
	go func() {
		done <- cmdPorts(ctx, []string{"--serve", promExporter, "--top", "5"}, &bytes.Buffer{}, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("portlab ports --serve: exit %d: %s", code, stderr.String())
		}
	})
}

// startPrometheus runs the server scraping the exporter every second with
// the rules evaluated every second, its data in a temporary directory.
func startPrometheus(t *testing.T, prom, rules string) {
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
  - job_name: portlab
    static_configs: [{targets: [%q]}]
  - job_name: portlab-load
    static_configs: [{targets: [%q]}]
`, rules, promExporter, promLoad)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promServer)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})
}

// startLoad runs portlab load with flags, new connections closed first by
// the client, past exhaustion until the test ends.
func startLoad(t *testing.T, target string, flags ...string) {
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"load", "--target", target, "--mode", "new", "--duration", "5m", "--sustain-exhaustion", "-q"}, flags...)
	cmd := exec.CommandContext(ctx, os.Getenv(envSandboxExe), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
}

// apiGet decodes the data of a Prometheus HTTP API answer into v; false if
// the server is not answering yet.
func apiGet(t *testing.T, path string, v any) bool {
	t.Helper()
	resp, err := http.Get("http://" + promServer + path)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		return false
	}
	if err := json.Unmarshal(body.Data, v); err != nil {
		t.Fatalf("%s: %v: %s", path, err, body.Data)
	}
	return true
}

// queryValue returns the value of an instant query that yields one
// series, or -1.
func queryValue(t *testing.T, q string) float64 {
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if !apiGet(t, "/api/v1/query?query="+url.QueryEscape(q), &data) || len(data.Result) != 1 {
		return -1
	}
	s, _ := data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return v
}

// alertState returns the state of the alert name whose label is value, or
// "".
func alertState(t *testing.T, name, label, value string) string {
	var data struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	if !apiGet(t, "/api/v1/alerts", &data) {
		return ""
	}
	for _, a := range data.Alerts {
		if a.Labels["alertname"] == name && a.Labels[label] == value {
			return a.State
		}
	}
	return ""
}
