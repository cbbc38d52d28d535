package labcheck

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/portlab/portlab/report"
)

// Verdict is the outcome of checking one exercise.
type Verdict struct {
	Exercise int    `json:"exercise"`
	Title    string `json:"title"`
	// Done is true when every criterion is met.
	Done     bool        `json:"done"`
	Criteria []Criterion `json:"criteria"`
	// ResultsDir is where result files were looked for; Read lists the
	// results read there, Skipped the other .json files and why.
	ResultsDir string    `json:"results_dir"`
	Read       []string  `json:"read"`
	Skipped    []Skipped `json:"skipped,omitempty"`
}

// Criterion is one thing an exercise asks for.
type Criterion struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Detail is what was found, when OK, or what is missing and why.
	Detail string `json:"detail"`
	// Do is what to type to meet a missing criterion.
	Do string `json:"do,omitempty"`
}

// Skipped is a .json file of the results directory that is not a portlab
// result this package can use.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Exercises is the number of exercises in LABS.md.
const Exercises = 11

// exercise is one exercise of LABS.md and its criteria, in the order a
// student meets them.
type exercise struct {
	title    string
	criteria []func(*state) Criterion
}

var exercises = [Exercises + 1]exercise{
	1:  {"reproduce the error", []func(*state) Criterion{onsetReproduced, onsetAtRange}},
	2:  {"find who holds the ports", []func(*state) Criterion{destinationBusy, heldInTimeWait, onsetAtForecast}},
	3:  {"pooling", []func(*state) Criterion{poolWithoutErrors, poolWithinSize, poolFaster}},
	4:  {"keep-alive", []func(*state) Criterion{keepAliveSweep, churnFallsWithReuse, keepAliveUnlimited}},
	5:  {"tcp_tw_reuse", []func(*state) Criterion{timestampsOn, exhaustedWithoutReuse, resumedWithReuse}},
	6:  {"widen the range", []func(*state) Criterion{rangeWidened, onsetUnderTwoRanges, onsetInProportion}},
	7:  {"the server closes first", []func(*state) Criterion{serverClosedFirst, moreConnectionsThanPorts}},
	8:  {"the tcp_fin_timeout myth", []func(*state) Criterion{twoFinTimeouts, onsetUnmoved}},
	9:  {"the server port inside the ephemeral range", []func(*state) Criterion{portReserved, listenersReserved, exhaustedWithReserved}},
	10: {"HTTP MaxIdleConnsPerHost", []func(*state) Criterion{defaultPoolChurns, idlePoolKeeps}},
	11: natExercise,
}

// Title returns exercise n's title, or "" when there is no such exercise.
func Title(n int) string {
	if n < 1 || n > Exercises {
		return ""
	}
	return exercises[n].title
}

// Check checks exercise n (1 to Exercises) against this machine's state
// and the results in dir. It fails only when n is no exercise, dir
// cannot be read, or a result in it has a bad value (a *report.InputError
// naming the file and the field); everything else is a criterion met or
// missing.
func Check(n int, dir string) (*Verdict, error) {
	if n < 1 || n > Exercises {
		return nil, fmt.Errorf("exercise: must be 1 to %d, got %d", Exercises, n)
	}
	s, err := newState(dir)
	if err != nil {
		return nil, err
	}
	v := &Verdict{Exercise: n, Title: exercises[n].title, Done: true, ResultsDir: dir, Read: []string{}, Skipped: s.skipped}
	for _, r := range s.runs {
		v.Read = append(v.Read, r.file)
	}
	for _, check := range exercises[n].criteria {
		c := check(s)
		v.Done = v.Done && c.OK
		v.Criteria = append(v.Criteria, c)
	}
	return v, nil
}

// WriteText writes the verdict for people: a heading, one line per
// criterion ("ok: ..." or "missing: ..." and "do: COMMAND" below it) and a
// verdict line, wrapped to report.TextWidth.
func (v *Verdict) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "exercise %d, %s: %s read from %s", v.Exercise, v.Title, plural(len(v.Read), "result"), v.ResultsDir)
	b.WriteString("\n")
	b.WriteString(v.skippedText())
	missing := 0
	for _, c := range v.Criteria {
		if c.OK {
			fmt.Fprintf(&b, "ok: %s: %s\n", c.Name, c.Detail)
			continue
		}
		missing++
		fmt.Fprintf(&b, "missing: %s: %s\n", c.Name, c.Detail)
		if c.Do != "" {
			vm, sandbox, both := strings.Cut(c.Do, withoutVMs)
			fmt.Fprintf(&b, "  do: %s\n", vm)
			if both {
				fmt.Fprintf(&b, "  or without VMs: %s\n", sandbox)
			}
		}
	}
	if missing == 0 {
		fmt.Fprintf(&b, "verdict: exercise %d done, all %d criteria met\n", v.Exercise, len(v.Criteria))
	} else {
		fmt.Fprintf(&b, "verdict: not yet, %d of %d criteria missing\n", missing, len(v.Criteria))
	}
	_, err := io.WriteString(w, report.Fit(b.String(), report.TextWidth))
	return err
}

// skippedText says which .json files the check did not read and why, a
// line each while they are few: not all are foreign (a merge of several
// clients' results is portlab's own).
func (v *Verdict) skippedText() string {
	if n := len(v.Skipped); n > 3 {
		return fmt.Sprintf("  skipped %s; --json says why\n", plural(n, "other .json file"))
	}
	var b strings.Builder
	for _, s := range v.Skipped {
		reason := strings.TrimPrefix(s.Reason, filepath.Join(v.ResultsDir, s.File)+": ")
		fmt.Fprintf(&b, "  skipped %s: %s\n", s.File, reason)
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func ok(name, detail string) Criterion { return Criterion{Name: name, OK: true, Detail: detail} }

func missing(name, detail, do string) Criterion {
	return Criterion{Name: name, Detail: detail, Do: do}
}
