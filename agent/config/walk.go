package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// location is where a value came from: a line of the file, or a --set
// argument.
type location struct {
	line int
	set  string
}

func (l location) known() bool { return l.line > 0 || l.set != "" }

// maxDepth bounds how deep a document may nest (the schema needs about 8
// levels; aliases can make a cycle).
const maxDepth = 32

// maxVisits bounds the nodes one document may expand to (aliases can make
// a small file describe a huge tree).
const maxVisits = 200_000

// walker checks a YAML node tree against the Config type before it is
// decoded: unknown and repeated keys, and values of the wrong shape or
// type, each reported with its line and key path. It also records where
// every key path is (for validation errors) and which were given (for
// the defaults of list elements).
type walker struct {
	sets    map[*yaml.Node]string // nodes made by --set, and its argument
	locs    map[string]location
	present map[string]bool
	errs    []*Error
	visits  int
}

func newWalker(sets map[*yaml.Node]string) *walker {
	return &walker{sets: sets, locs: map[string]location{}, present: map[string]bool{}}
}

func (w *walker) loc(n *yaml.Node) location {
	if s, ok := w.sets[n]; ok {
		return location{set: s}
	}
	return location{line: n.Line}
}

func (w *walker) fail(at location, path, format string, args ...any) {
	w.errs = append(w.errs, &Error{Line: at.line, Set: at.set, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// tooBig counts a visit and reports whether the budget is spent.
func (w *walker) tooBig(at location) bool {
	w.visits++
	if w.visits == maxVisits+1 {
		w.fail(at, "", "document too large (more than %d values, counting what aliases repeat)", maxVisits)
	}
	return w.visits > maxVisits
}

// where returns the location of path, or of its nearest ancestor below the
// top level that has one.
func (w *walker) where(path string) location {
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := w.locs[p]; ok && l.known() {
			return l
		}
	}
	return location{}
}

// parentPath drops the last key or index of a path.
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe words what a node is, for "want X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return quote(n.Value)
}

// node checks n as a value of type t at path, depth levels down.
func (w *walker) node(n *yaml.Node, t reflect.Type, path string, depth int) {
	at := w.loc(n)
	if w.tooBig(at) {
		return
	}
	if depth > maxDepth {
		w.fail(at, path, "nested too deeply (an alias that contains itself?)")
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return
		}
		n = n.Alias
	}
	if _, ok := w.locs[path]; !ok {
		w.locs[path] = at
	}
	if isNull(n) {
		return // keeps the default
	}
	w.present[path] = true
	t = deref(t)
	switch {
	case isCustomScalar(t):
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			w.fail(at, path, "%s", err)
		}
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.fail(at, path, "want a mapping of keys, got %s", describe(n))
			return
		}
		w.mapping(n, t, path, map[string]bool{}, false, depth)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.fail(at, path, "want a list, got %s", describe(n))
			return
		}
		for i, e := range n.Content {
			w.node(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	default:
		w.scalar(n, at, t, path)
	}
}

// mapping checks the keys of a mapping for struct type t. seen holds the
// keys given so far; merged is set for the keys of a merge (<<), which
// explicit keys override.
func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string, seen map[string]bool, merged bool, depth int) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		at := w.loc(k)
		if w.tooBig(at) {
			return
		}
		if k.Kind != yaml.ScalarNode {
			w.fail(at, path, "keys must be plain names, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if seen[k.Value] {
			if !merged {
				w.fail(at, joinPath(path, k.Value), "key given twice")
			}
			continue
		}
		seen[k.Value] = true
		f, ok := fieldByKey(t, k.Value)
		if !ok {
			w.fail(at, "", "%s", unknownKey(t, k.Value, path))
			continue
		}
		w.node(v, f.Type, joinPath(path, k.Value), depth+1)
	}
	for _, m := range merges {
		w.merge(m, t, path, seen, depth+1)
	}
}

// merge checks the value of a merge key: a mapping, or a list of them.
func (w *walker) merge(m *yaml.Node, t reflect.Type, path string, seen map[string]bool, depth int) {
	if depth > maxDepth {
		w.fail(w.loc(m), path, "merges nested too deeply (a merge that contains itself?)")
		return
	}
	if m.Kind == yaml.AliasNode && m.Alias != nil {
		m = m.Alias
	}
	switch m.Kind {
	case yaml.MappingNode:
		w.mapping(m, t, path, seen, true, depth)
		return
	case yaml.SequenceNode:
		for _, e := range m.Content {
			if e.Kind == yaml.AliasNode && e.Alias != nil {
				e = e.Alias
			}
			if e.Kind != yaml.MappingNode {
				w.fail(w.loc(e), path, "a merge (<<) needs mappings, got %s", describe(e))
				continue
			}
			w.mapping(e, t, path, seen, true, depth)
		}
		return
	}
	w.fail(w.loc(m), path, "a merge (<<) needs a mapping or a list of them, got %s", describe(m))
}

// scalar checks a plain value of kind t.Kind().
func (w *walker) scalar(n *yaml.Node, at location, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.fail(at, path, "want a single value, got %s", describe(n))
		return
	}
	switch t.Kind() {
	case reflect.String:
	case reflect.Bool:
		var b bool
		if n.Decode(&b) != nil {
			w.fail(at, path, "want true or false, got %s", quote(n.Value))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var v any
		_ = n.Decode(&v)
		switch v.(type) {
		case int, int64, uint64:
		default:
			w.fail(at, path, "want an integer, got %s", quote(n.Value))
			return
		}
		if n.Decode(reflect.New(t).Interface()) != nil {
			if strings.HasPrefix(strings.TrimSpace(n.Value), "-") {
				w.fail(at, path, "must not be negative, got %s", n.Value)
			} else {
				w.fail(at, path, "integer %s is out of range", n.Value)
			}
		}
	case reflect.Float32, reflect.Float64:
		var f float64
		if n.Decode(&f) != nil {
			w.fail(at, path, "want a number, got %s", quote(n.Value))
		}
	default:
		w.fail(at, path, "cannot hold a %s", t.Kind())
	}
}
