package scenarios

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/topology"
)

// The limits of a scenario file. They keep parsing linear and well under a
// second: yaml.v3 compares every pair of keys of a mapping while decoding,
// so one mapping of 20,000 keys took seconds, and every run costs a decode
// of its sections. The built-in scenarios are a few KiB, a few runs and at
// most a dozen keys a mapping.
const (
	// MaxFileBytes is the largest scenario file portlab reads.
	MaxFileBytes = 1 << 20
	// maxItems bounds a sequence: runs (each lasts seconds, so 1,000 is
	// hours) and addresses.
	maxItems = 1000
	// maxKeys bounds a mapping: a load section, the largest, has about 40
	// knobs.
	maxKeys = 100
	// maxScalar bounds a key or a value, a lesson as much as a target
	// URL: a run's values are checked once per run.
	maxScalar = 4096
	// maxDestinations bounds a run's echo servers and targets.
	maxDestinations = 64
	// maxSources bounds a run's source addresses (the two-hosts topology
	// maps 149 of them).
	maxSources = 256
)

// limitError is a problem the tree check finds, at a line of the file.
type limitError struct {
	line          int
	path, problem string
}

func (e *limitError) Error() string { return fmt.Sprintf("%d: %s: %s", e.line, e.path, e.problem) }

// sectionTypes are what the yaml.Node fields of the file's structs decode
// into, by key: decodeLayers decodes them layer over layer.
var sectionTypes = map[string]reflect.Type{
	"server":   reflect.TypeFor[echo.Config](),
	"defaults": reflect.TypeFor[fileLoad](),
	"load":     reflect.TypeFor[fileLoad](),
	"gateway":  reflect.TypeFor[topology.Gateway](),
}

var nodeType = reflect.TypeFor[yaml.Node]()

// treeCheck walks a parsed file once, before anything is decoded: it
// refuses unknown keys at every depth (in the file's structs and in the
// sections that decode into config.Load and echo.Config), duplicate keys,
// and mappings and sequences over the limits. Every node is visited once
// per type it must decode into, aliases included, so the walk is linear.
type treeCheck struct {
	seen map[visit]bool
}

type visit struct {
	n *yaml.Node
	t reflect.Type
}

func checkTree(root *yaml.Node) error {
	c := &treeCheck{seen: map[visit]bool{}}
	return c.node(root, reflect.TypeFor[fileScenario](), "")
}

// node checks n, which decodes into t (nil: a scalar, or not known).
func (c *treeCheck) node(n *yaml.Node, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if c.seen[visit{n, t}] {
		return nil
	}
	c.seen[visit{n, t}] = true
	switch n.Kind {
	case yaml.ScalarNode:
		if len(n.Value) > maxScalar {
			return &limitError{n.Line, orRoot(path), fmt.Sprintf("%d bytes; a scenario file's keys and values are at most %d bytes", len(n.Value), maxScalar)}
		}
		if tag := n.ShortTag(); wholeNumber(t) && (tag == "!!float" || tag == "!!null") {
			return &limitError{n.Line, orRoot(path), fmt.Sprintf("want a whole number, got %q", n.Value)}
		}
		if err := checkText(n, t); err != nil {
			return &limitError{n.Line, orRoot(path), err.Error()}
		}
	case yaml.DocumentNode:
		for _, k := range n.Content {
			if err := c.node(k, t, path); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			return c.node(n.Alias, t, path)
		}
	case yaml.SequenceNode:
		return c.sequence(n, t, path)
	case yaml.MappingNode:
		return c.mapping(n, t, path)
	}
	return nil
}

func (c *treeCheck) sequence(n *yaml.Node, t reflect.Type, path string) error {
	if len(n.Content) > maxItems {
		return &limitError{n.Line, orRoot(path), fmt.Sprintf("%d items; a scenario file has at most %d in a list", len(n.Content), maxItems)}
	}
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	for i, item := range n.Content {
		if err := c.node(item, elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func (c *treeCheck) mapping(n *yaml.Node, t reflect.Type, path string) error {
	if len(n.Content)/2 > maxKeys {
		return &limitError{n.Line, orRoot(path), fmt.Sprintf("%d keys; a scenario file has at most %d in a mapping", len(n.Content)/2, maxKeys)}
	}
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = yamlKeys(t)
	}
	lines := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			// A merge key's value (a mapping or a list of them) has the
			// keys of this mapping.
			if err := c.merge(v, t, path); err != nil {
				return err
			}
			continue
		}
		id := fmt.Sprint(k.Kind, k.Value)
		if at, dup := lines[id]; dup {
			return &limitError{k.Line, p, fmt.Sprintf("duplicate key (first at line %d)", at)}
		}
		lines[id] = k.Line
		vt, err := c.valueType(t, fields, k, p)
		if err != nil {
			return err
		}
		if err := c.node(v, vt, p); err != nil {
			return err
		}
	}
	return nil
}

// valueType is the type a mapping's value under key k decodes into.
func (c *treeCheck) valueType(t reflect.Type, fields map[string]reflect.Type, k *yaml.Node, p string) (reflect.Type, error) {
	switch {
	case fields != nil:
		ft, ok := fields[k.Value]
		if !ok {
			return nil, &limitError{k.Line, p, "unknown field"}
		}
		if ft == nodeType {
			return sectionTypes[k.Value], nil
		}
		return ft, nil
	case t != nil && t.Kind() == reflect.Map:
		return t.Elem(), nil
	}
	return nil, nil
}

func (c *treeCheck) merge(v *yaml.Node, t reflect.Type, path string) error {
	if v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			if err := c.node(item, t, path); err != nil {
				return err
			}
		}
		return nil
	}
	return c.node(v, t, path)
}

// wholeNumber reports whether t is an integer knob. yaml.v3 decodes a
// float into an integer by truncating it (payload: 1.5 became 1, and
// -.inf the lowest int) and skips a null (payload: ~ kept the default),
// so both are refused here, as the flags refuse them; a duration has
// yaml.v3's own check.
func wholeNumber(t reflect.Type) bool {
	if t == nil || t == durationType || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	unmarshalerType     = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkText reads n with its type's own text form (a port range's
// "LO-HI"), as yaml.v3 will decode it: yaml.v3 drops the line from such a
// type's error, and here it has the line and the field. Values yaml.v3
// sets without the text form (a null, a timestamp) are left to it.
func checkText(n *yaml.Node, t reflect.Type) error {
	if t == nil || !reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return nil
	}
	switch n.ShortTag() {
	case "!!null", "!!timestamp", "!!binary":
		return nil
	}
	return reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value))
}

func orRoot(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

// yamlKeysCache holds yamlKeys' answers: the structs are few and fixed.
var yamlKeysCache sync.Map // reflect.Type -> map[string]reflect.Type

// yamlKeys maps the keys yaml.v3 decodes into a struct type to their
// fields' types.
func yamlKeys(t reflect.Type) map[string]reflect.Type {
	if m, ok := yamlKeysCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	keys := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case opts == "inline":
			for k, v := range yamlKeys(f.Type) {
				keys[k] = v
			}
		case name == "":
			keys[strings.ToLower(f.Name)] = f.Type
		default:
			keys[name] = f.Type
		}
	}
	yamlKeysCache.Store(t, keys)
	return keys
}
