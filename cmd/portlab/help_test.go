package main

import (
	"context"
	"strings"
	"testing"
)

// TestEveryHelpTeaches: every command's --help, the hidden ones aside,
// shows examples, fits 100 columns and ends with no empty "Flags:".
func TestEveryHelpTeaches(t *testing.T) {
	for _, name := range append(visibleCommands(), "report merge") {
		var stdout, stderr strings.Builder
		args := append(strings.Fields(name), "--help")
		if code := runContext(context.Background(), args, &stdout, &stderr); code != exitOK {
			t.Errorf("portlab %s --help: exit %d, want 0", name, code)
		}
		help := stderr.String()
		if !strings.Contains(help, "\nExamples:\n  portlab "+name) {
			t.Errorf("portlab %s --help shows no example of itself:\n%s", name, help)
		}
		if strings.HasSuffix(help, "Flags:\n") {
			t.Errorf("portlab %s --help ends with an empty Flags:", name)
		}
		for _, line := range strings.Split(help, "\n") {
			if len(line) > helpWidth {
				t.Errorf("portlab %s --help: %d columns, want <= %d: %q", name, len(line), helpWidth, line)
			}
		}
	}
}
