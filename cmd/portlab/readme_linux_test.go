package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/report"
)

// TestREADMEExitCodes keeps README's exit-code table true: it lists
// exactly the codes portlab has, and each row's example, run, exits with
// its code ("+ Ctrl-C": run with its context already cancelled).
func TestREADMEExitCodes(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(b)[strings.Index(string(b), "## Exit codes"):]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	rowRE := regexp.MustCompile("(?m)^\\| (\\d+) \\| .* \\| `portlab ([^`]*)`( \\+ Ctrl-C)? \\|$")
	rows := rowRE.FindAllStringSubmatch(section, -1)
	var codes []int
	dir := t.TempDir()
	res := validResult(t, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	res.Totals.RequestsStarted++
	res.Totals.RequestsFailed, res.Errors = 1, map[string]int64{"EADDRNOTAVAIL": 1}
	if err := report.WriteFile(filepath.Join(dir, "r.json"), res); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, r := range rows {
		want, _ := strconv.Atoi(r[1])
		codes = append(codes, want)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		if r[3] != "" {
			cancel()
		}
		var stdout, stderr bytes.Buffer
		if got := runContext(ctx, shellWords(r[2]), &stdout, &stderr); got != want {
			t.Errorf("README: `portlab %s`%s exits %d, but the table says %d; stderr:\n%s", r[2], r[3], got, want, stderr.String())
		}
		cancel()
	}
	all := []int{exitOK, exitFailure, exitUsage, exitFailIf, exitInterrupted}
	if !slices.Equal(codes, all) {
		t.Errorf("README's exit codes %v, want one row each for %v", codes, all)
	}
}

// shellWords splits a command line as a shell would, for single quotes.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}
