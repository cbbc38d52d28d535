package testsupport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/portlab/portlab/internal/testsupport"
)

// verdicts records what Require did to a test instead of doing it.
type verdicts struct {
	testing.TB
	fatal, skip string
}

func (v *verdicts) Helper()                        {}
func (v *verdicts) Fatalf(format string, a ...any) { v.fatal = fmt.Sprintf(format, a...) }
func (v *verdicts) Skipf(format string, a ...any)  { v.skip = fmt.Sprintf(format, a...) }

func TestRequire(t *testing.T) {
	const env = "PORTLAB_TESTSUPPORT_REQUIRE"
	missing := errors.New("no frobnicator")
	for _, tc := range []struct {
		desc, env string
		err       error
		fatal     bool
		skip      bool
	}{
		{"nothing missing", "1", nil, false, false},
		{"missing, not required", "", missing, false, true},
		{"missing, required", "1", missing, true, false},
		{"missing, required only by 1", "yes", missing, false, true},
	} {
		t.Setenv(env, tc.env)
		v := &verdicts{TB: t}
		testsupport.Require(v, env, tc.err)
		if (v.fatal != "") != tc.fatal || (v.skip != "") != tc.skip {
			t.Errorf("%s: fatal %q, skip %q; want fatal %v, skip %v", tc.desc, v.fatal, v.skip, tc.fatal, tc.skip)
		}
		for _, msg := range []string{v.fatal, v.skip} {
			if msg != "" && (!strings.Contains(msg, env) || !strings.Contains(msg, "no frobnicator")) {
				t.Errorf("%s: %q does not name %s and the reason", tc.desc, msg, env)
			}
		}
	}
}
