package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portlab/portlab/internal/suggest"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
)

// setting is one --set SECTION.KEY=VALUE: a knob set in every run of a
// scenario, over what the file says.
type setting struct {
	section, key, value string
}

func (s setting) String() string { return s.section + "." + s.key + "=" + s.value }

// setSections are the run sections --set reaches: a run's load
// (config.Load's keys), its server (echo.Config's), its sysctls and its
// NAT gateway (topology nat).
var setSections = []string{"load", "server", "sandbox", "gateway"}

// parseSettings reads --set values; a key may use "-" as the flags do.
func parseSettings(sets []string) ([]setting, error) {
	out := make([]setting, 0, len(sets))
	for _, s := range sets {
		path, value, ok := strings.Cut(s, "=")
		section, key, dotted := strings.Cut(path, ".")
		if !ok || !dotted || key == "" {
			return nil, fmt.Errorf("set: want SECTION.KEY=VALUE (SECTION: %s), got %q", strings.Join(setSections, ", "), s)
		}
		known := false
		for _, sec := range setSections {
			known = known || sec == section
		}
		if !known {
			return nil, fmt.Errorf("set %s: %q is not a section: want one of %s", s, section, strings.Join(setSections, ", "))
		}
		key = strings.ReplaceAll(key, "-", "_")
		if !slices.Contains(scenarios.Keys(section), key) {
			return nil, fmt.Errorf("set %s: %s has no key %q%s", s, section, key, keyHint(section, key))
		}
		out = append(out, setting{section, key, value})
	}
	return out, nil
}

// keyHint is what to say of a key section lacks: the key of another
// section it is, the key of this one it most likely misspells, or where
// the keys are listed.
func keyHint(section, key string) string {
	for _, other := range setSections {
		if other != section && slices.Contains(scenarios.Keys(other), key) {
			return fmt.Sprintf(": did you mean %s.%s?", other, key)
		}
	}
	keys := scenarios.Keys(section)
	// A sysctl may come in full (net.ipv4.tcp_tw_reuse) or cut short
	// (tw_reuse).
	for _, k := range []string{key, strings.TrimPrefix(key, "net.ipv4."), "tcp_" + key} {
		if best := suggest.Closest(k, keys); best != "" {
			return fmt.Sprintf(": did you mean %s.%s?", section, best)
		}
	}
	switch section {
	case "load":
		return " (its keys are the flags of 'portlab load --help', with _ for -)"
	case "server":
		return " (its keys are the flags of 'portlab echo --help', with _ for -)"
	}
	return "; it has:\n  " + strings.Join(report.Wrap(strings.Join(keys, ", "), 96), "\n  ")
}

// withSettings parses a scenario's YAML with sets written into every run,
// as if the file said so: a value is decoded and validated exactly as the
// same key in the file would be. An error names the setting to blame.
func withSettings(file string, data []byte, sets []setting) (*scenarios.Scenario, error) {
	sc, err := scenarios.Parse(file, data)
	if err != nil || len(sets) == 0 {
		return sc, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err // Parse has read it
	}
	// One at a time, so that the first setting the scenario refuses is
	// the one named.
	for _, s := range sets {
		if err := setInRuns(&root, s); err != nil {
			return nil, fmt.Errorf("set %s: %w", s, err)
		}
		out, err := yaml.Marshal(&root)
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", s, err)
		}
		if sc, err = scenarios.Parse(file, out); err != nil {
			return nil, fmt.Errorf("set %s: %s", s, problemOf(file, err))
		}
	}
	return sc, nil
}

// problemOf is a scenario error without its "invalid scenario: FILE:LINE:"
// prefix: the line is of the file rewritten with the settings, not the
// user's.
func problemOf(file string, err error) string {
	msg := yamlTypeError.ReplaceAllStringFunc(err.Error(), typeProblem)
	if !errors.Is(err, scenarios.ErrInvalid) {
		return msg
	}
	prefix := regexp.MustCompile(`^` + regexp.QuoteMeta(scenarios.ErrInvalid.Error()+": "+file) + `(:\d+)?: `)
	return prefix.ReplaceAllString(msg, "")
}

// yamlTypeError is the YAML decoder's word for a value of the wrong type,
// which names YAML tags and Go types rather than what a knob wants.
var yamlTypeError = regexp.MustCompile("cannot unmarshal !!\\w+ `([^`]*)` into ([\\w.]+)")

// typeProblem says what a knob wanted instead of the value given.
func typeProblem(m string) string {
	sub := yamlTypeError.FindStringSubmatch(m)
	want := map[string]string{"int": "a whole number", "int64": "a whole number", "uint16": "a whole number",
		"float64": "a number", "bool": "true or false", "time.Duration": "a duration such as 5s"}[sub[2]]
	if want == "" {
		want = "a " + sub[2]
	}
	return fmt.Sprintf("want %s, got %q", want, sub[1])
}

// setInRuns writes s into the s.section mapping of every run in root.
func setInRuns(root *yaml.Node, s setting) error {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return errors.New("the scenario has no runs")
	}
	runs := valueOf(root.Content[0], "runs")
	if runs == nil || runs.Kind != yaml.SequenceNode {
		return errors.New("the scenario has no runs")
	}
	var value yaml.Node
	if err := yaml.Unmarshal([]byte(s.value), &value); err != nil || len(value.Content) == 0 {
		value = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.value}}}
	}
	for _, run := range runs.Content {
		if run.Kind != yaml.MappingNode {
			continue // Parse says what is wrong with it
		}
		section := valueOf(run, s.section)
		if section == nil {
			section = &yaml.Node{Kind: yaml.MappingNode}
			run.Content = append(run.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s.section}, section)
		}
		if section.Kind != yaml.MappingNode { // "load:" with nothing after it
			*section = yaml.Node{Kind: yaml.MappingNode}
		}
		if v := valueOf(section, s.key); v != nil {
			*v = *value.Content[0]
		} else {
			section.Content = append(section.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s.key}, value.Content[0])
		}
	}
	return nil
}

// valueOf is the value of key in mapping m, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
