package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: no input makes Parse panic or hang; every refusal is an
// ErrInvalid; an accepted scenario is within the limits, its loads and
// servers validate, and its sysctls are written in a form their own check
// accepts unchanged. The seeds under testdata/fuzz are the built-ins and
// the invalid examples.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"runs: [{name: a}]",
		"server: &s {close: server}\nruns: [{name: a, load: *s}]",
		"defaults: &d {concurrency: 3}\nruns: [{name: a, load: {<<: *d}}]",
		"sandbox: {tcp_tw_reuse: \"1\\n2\"}\nruns: [{name: a}]",
		"a: &a [*a]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("f.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not an ErrInvalid", err)
			}
			return
		}
		if len(sc.Runs) < 1 || len(sc.Runs) > maxItems {
			t.Fatalf("%d runs", len(sc.Runs))
		}
		for i := range sc.Runs {
			r := &sc.Runs[i]
			if err := r.Load.Validate(); err != nil {
				t.Fatalf("run %s: load: %v", r.Name, err)
			}
			if err := r.Server.Validate(); err != nil {
				t.Fatalf("run %s: server: %v", r.Name, err)
			}
			for k, v := range sc.SysctlsFor(r) {
				check := sandboxSysctls[strings.TrimPrefix(k, "net.ipv4.")]
				if w, err := check(v); err != nil || w != v {
					t.Fatalf("sysctl %s=%q checks as %q, %v", k, v, w, err)
				}
			}
		}
	})
}
