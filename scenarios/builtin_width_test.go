package scenarios

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBuiltinSourceFits100: `portlab scenarios show NAME` prints a built-in
// as written, so its lines keep to the 100 columns of every text output.
func TestBuiltinSourceFits100(t *testing.T) {
	for _, name := range Names() {
		data, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if n := utf8.RuneCountInString(line); n > 100 {
				t.Errorf("builtin/%s.yaml:%d is %d columns, over 100", name, i+1, n)
			}
		}
	}
}
