package main

import (
	"bytes"
	"html"
	"strings"
	"testing"
)

// reportFormatsOut runs portlab report on files in every format and
// returns each output in words, the HTML and Markdown unescaped and
// without bold marks.
func reportFormatsOut(t *testing.T, files ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for format := range reportFormats {
		var stdout, stderr bytes.Buffer
		if code := cmdReport(t.Context(), append([]string{"--format", format}, files...), &stdout, &stderr); code != exitOK {
			t.Fatalf("report --format %s: exit %d; stderr:\n%s", format, code, stderr.String())
		}
		s := stdout.String()
		switch format {
		case "html":
			s = html.UnescapeString(strings.NewReplacer("<strong>", "", "</strong>", "").Replace(s))
		case "json":
			s = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&", `\"`, `"`).Replace(s)
		case "markdown":
			s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "**", "").Replace(s)
		}
		out[format] = strings.Join(strings.Fields(s), " ")
	}
	return out
}

// TestReportDiagnosesSNAT: portlab report explains a run behind a NAT
// gateway in every format: SNAT exhaustion, the pool, the fixes.
func TestReportDiagnosesSNAT(t *testing.T) {
	for format, out := range reportFormatsOut(t, "../../report/testdata/snat-exhaustion.json") {
		for _, want := range []string{
			"SNAT exhaustion at the NAT gateway: 150 connects timed out",
			"100 ports (50000-50099) × 1 address × 1 destination = 100 flows",
			"more gateway addresses", "a wider SNAT port range than 50000-50099",
			"stopped by duration",
		} {
			if format == "json" && want == "stopped by duration" {
				want = `"stop_reason": "duration"`
			}
			if !strings.Contains(out, want) {
				t.Errorf("report --format %s lacks %q", format, want)
			}
		}
	}
}
