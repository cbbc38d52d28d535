package netnstest

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// TestPattern: each element of a subtest name is quoted and anchored on its
// own, as the testing package matches them one by one.
func TestPattern(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"TestA", `^TestA$`},
		{"TestA/b", `^TestA$/^b$`},
		{"TestA/b+c_(d)", `^TestA$/^b\+c_\(d\)$`},
		{"TestA/x|y/[z]", `^TestA$/^x\|y$/^\[z\]$`},
		{"TestA/x#01", `^TestA$/^x#01$`},
	} {
		if got := pattern(tc.name); got != tc.want {
			t.Errorf("pattern(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPatternMatchesOnlyItsName(t *testing.T) {
	names := []string{"TestA", "TestAB", "TestA/b", "TestA/bc", "TestA/b+c", "TestA/bbc", "TestA/x|y", "TestA/x"}
	for _, name := range names {
		elems := strings.Split(pattern(name), "/")
		for _, other := range names {
			parts := strings.Split(other, "/")
			// The testing package's rule: each pattern element must match the
			// name's element at the same depth; deeper names (subtests of a
			// match) match too.
			match := len(parts) >= len(elems)
			for i := 0; match && i < len(elems); i++ {
				match = regexp.MustCompile(elems[i]).MatchString(parts[i])
			}
			want := other == name || strings.HasPrefix(other, name+"/")
			if match != want {
				t.Errorf("pattern(%q) matches %q: %v, want %v", name, other, match, want)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	const name = "TestA/b"
	ran := "=== RUN   TestA\n=== RUN   TestA/b\n    x.go:1: " + marker(name) + "\n"
	for _, tc := range []struct {
		desc, out string
		runErr    error
		want      string // "" for nil
	}{
		{"pass", ran + "    --- PASS: TestA/b (0.00s)\n--- PASS: TestA (0.00s)\nPASS\n", nil, ""},
		{"exit error", ran + "    --- FAIL: TestA/b (0.00s)\n", errors.New("exit status 1"), "failed in the namespace"},
		{"no tests", "testing: warning: no tests to run\nPASS\n", nil, "no tests to run"},
		{"skipped", ran + "    --- SKIP: TestA/b (0.00s)\n", nil, "skipped in the namespace"},
		{"no pass line", ran + "PASS\n", nil, "did not report --- PASS"},
		{"other test passed", ran + "    --- PASS: TestA/bc (0.00s)\n", nil, "did not report --- PASS"},
		{"body did not run", "=== RUN   TestA/b\n    --- PASS: TestA/b (0.00s)\n", nil, "without running the body"},
	} {
		err := check(name, tc.out, tc.runErr)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: check = %v, want nil", tc.desc, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: check = %v, want an error containing %q", tc.desc, err, tc.want)
		}
	}
}
