package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/portlab/portlab/internal/suggest"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
)

// helpWidth is the width help is wrapped to, as every text output.
const helpWidth = report.TextWidth

// examples are the commands each --help shows, as a user would type them.
var examples = map[string][]string{
	"echo": {
		"portlab echo --listen 127.0.0.1:7777 &",
		"portlab echo --close server           # the server closes first and keeps the TIME_WAIT",
		"portlab echo --protocol http --listen 127.0.0.1:8080 &",
	},
	"load": {
		"portlab load --target 127.0.0.1:7777 --duration 5s --mode new",
		"portlab load --target 127.0.0.1:7777 -d 5s --mode keepalive --out keepalive.json",
		"portlab load --protocol http --target http://127.0.0.1:8080/ -c 32 --max-idle-per-host 32",
		"portlab load --target 127.0.0.1:7777 --rate 2000 --fail-if 'errors.EADDRNOTAVAIL>0'",
		"portlab load --target 10.0.0.5:80 --rate 2000 --shard 0/4 --start-delay 5s   # 1 of 4 processes",
	},
	"run": {
		"portlab run                                   # the default lab, " + scenarios.Default,
		"portlab run tw-reuse fin-timeout-myth        # several built-ins in a row",
		"portlab run --set load.duration=5s --set load.concurrency=4 pooling",
		"portlab run --topology two-hosts --out lab/  # results and reports in lab/",
	},
	"report": {
		"portlab report base.json new.json                    # changes against base.json",
		"portlab report --format html -o report.html *.json",
		"portlab report merge client1.json client2.json -o all.json",
		"portlab report new.json --fail-if 'latency.total.p99_us>5000'",
	},
	"report merge": {"portlab report merge client1.json client2.json -o all.json"},
	"ports": {
		"portlab ports",
		"portlab ports --watch 10s   # forecast the time to exhaustion per destination",
	},
	"scenarios": {
		"portlab scenarios",
		"portlab scenarios show tw-reuse > mine.yaml && portlab run mine.yaml",
	},
	"version": {"portlab version", "portlab --version"},
	"lab": {
		"portlab lab check 1",
		"portlab lab check 3 --results lab/",
	},
}

// writeUsage is a command's help: its synopsis, examples and flags.
func writeUsage(w io.Writer, fs *pflag.FlagSet, synopsis string) {
	fmt.Fprintf(w, "Usage: portlab %s\n", synopsis)
	if ex := examples[fs.Name()]; len(ex) > 0 {
		fmt.Fprintf(w, "\nExamples:\n  %s\n", strings.Join(ex, "\n  "))
	}
	if flags := flagUsages(fs); flags != "" {
		fmt.Fprintf(w, "\nFlags:\n%s", flags)
	}
}

// flagUsages lists fs's visible flags, wrapped to helpWidth: a boolean is
// shown as --name, since --name alone sets it.
func flagUsages(fs *pflag.FlagSet) string {
	type row struct{ name, usage string }
	var rows []row
	col := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		name := "      --" + f.Name
		if f.Shorthand != "" {
			name = "  -" + f.Shorthand + ", --" + f.Name
		}
		typ, usage := pflag.UnquoteUsage(f)
		if typ != "" {
			name += " " + typ
		}
		if d := f.DefValue; !slices.Contains([]string{"", "0", "false", "[]", "0s"}, d) {
			if typ == "string" {
				d = fmt.Sprintf("%q", d)
			}
			usage += " (default " + d + ")"
		}
		rows = append(rows, row{name, usage})
		col = max(col, len(name))
	})
	col = min(col, 30) + 2
	var b strings.Builder
	for _, r := range rows {
		lines := report.Wrap(r.usage, helpWidth-col)
		if len(r.name)+2 > col {
			fmt.Fprintf(&b, "%s\n", r.name)
		} else {
			fmt.Fprintf(&b, "%-*s%s\n", col, r.name, lines[0])
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(&b, "%*s%s\n", col, "", l)
		}
	}
	return b.String()
}

// scenarioList lists the built-in scenarios one per line, each with its
// one-line purpose, wrapped to helpWidth.
func scenarioList(w io.Writer, indent string) error {
	names := scenarios.Names()
	col := 0
	for _, n := range names {
		col = max(col, len(n))
	}
	col += 2
	for _, n := range names {
		sc, err := scenarios.Builtin(n)
		if err != nil {
			return err
		}
		lines := report.Wrap(sc.Description, helpWidth-len(indent)-col)
		fmt.Fprintf(w, "%s%-*s%s\n", indent, col, n, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%s%*s%s\n", indent, col, "", l)
		}
	}
	return nil
}

// unknownFlagHint is ", did you mean --NAME?" for a parse error about an
// unknown flag that misspells one of fs's; "" otherwise.
func unknownFlagHint(fs *pflag.FlagSet, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if best := suggest.Closest(name, names); best != "" {
		return ", did you mean --" + best + "?"
	}
	return ""
}
