package exporter

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portlab/portlab/internal/testsupport"
)

// rulesDir holds the Prometheus rules, their unit tests and the scrape
// config shipped with the exporter.
var rulesDir = filepath.Join("..", "deploy", "prometheus")

// TestAlertRulesPromtool checks the rules and scrape config and runs the
// rules' unit tests with Debian's promtool. It skips without promtool,
// unless PORTLAB_REQUIRE_NETNS=1 (CI), where it fails.
func TestAlertRulesPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	testsupport.Require(t, testsupport.EnvRequireNetns, err)
	for _, args := range [][]string{
		{"check", "rules", "portlab-rules.yml"},
		{"test", "rules", "portlab-rules.test.yml"},
		{"check", "config", "prometheus.yml"},
	} {
		t.Run(strings.Join(args[:2], "_"), func(t *testing.T) {
			cmd := exec.Command(promtool, args...)
			cmd.Dir = rulesDir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}

// TestDeployUsesExportedMetrics fails if the rules or the dashboard name a
// portlab metric the collector does not export, as a rename would leave
// them silent.
func TestDeployUsesExportedMetrics(t *testing.T) {
	exported := map[string]bool{}
	ch := make(chan *prometheus.Desc, 32)
	NewPortsCollector(1).Describe(ch)
	close(ch)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		if m := name.FindStringSubmatch(d.String()); m != nil {
			exported[m[1]] = true
		}
	}
	for _, file := range []string{"portlab-rules.yml", "grafana-portlab-ports.json"} {
		b, err := os.ReadFile(filepath.Join(rulesDir, file))
		if err != nil {
			t.Fatal(err)
		}
		used := regexp.MustCompile(`portlab_ports_[a-z_]+`).FindAllString(string(b), -1)
		if len(used) == 0 {
			t.Errorf("%s names no portlab_ports_ metric", file)
		}
		for _, m := range used {
			if !exported[m] {
				t.Errorf("%s uses %s, which the collector does not export (it exports %v)", file, m, exported)
			}
		}
	}
}
