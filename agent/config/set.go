package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A --set argument is key.path=value. The path goes through mappings by
// key and through lists by index or by the element's name; the Config's
// types say which. Missing keys are created; missing list elements are an
// error. The value is one YAML scalar, or, when the key holds a list of
// scalars, a comma-separated list of them.

// setter applies one --set argument to a document.
type setter struct {
	arg  string
	made map[*yaml.Node]string // every node a --set made, and its argument
}

func (s *setter) errorf(format string, args ...any) error {
	return &Error{Set: s.arg, Msg: fmt.Sprintf(format, args...)}
}

func (s *setter) mark(n *yaml.Node) *yaml.Node {
	s.made[n] = s.arg
	return n
}

// applySet applies arg to doc, a document node (made when empty).
func applySet(doc *yaml.Node, arg string, made map[*yaml.Node]string) error {
	s := &setter{arg: arg, made: made}
	key, val, ok := strings.Cut(arg, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return s.errorf("want key.path=value")
	}
	segs := strings.Split(key, ".")
	for _, seg := range segs {
		if seg == "" {
			return s.errorf("empty key in %q", key)
		}
	}
	if doc.Kind == 0 {
		*doc = yaml.Node{Kind: yaml.DocumentNode}
	}
	if doc.Kind != yaml.DocumentNode {
		return s.errorf("not a YAML document")
	}
	if len(doc.Content) == 0 {
		doc.Content = append(doc.Content, s.mark(&yaml.Node{Kind: yaml.MappingNode}))
	}
	// slot is the node being descended: parent.Content[idx].
	parent, idx := doc, 0
	t := configType
	where := ""
	for i := 0; i < len(segs); {
		n, err := s.own(doc, parent, idx)
		if err != nil {
			return err
		}
		t = deref(t)
		switch {
		case isLeaf(t):
			return s.errorf("%s is a single value; it has no key %q", where, segs[i])
		case t.Kind() == reflect.Struct:
			if isNull(n) {
				n = s.replace(parent, idx, &yaml.Node{Kind: yaml.MappingNode})
			}
			if n.Kind != yaml.MappingNode {
				return s.errorf("%s is not a mapping in the file (line %d)", nameOr(where), n.Line)
			}
			f, ok := fieldByKey(t, segs[i])
			if !ok {
				return s.errorf("%s", unknownKey(t, segs[i], where))
			}
			vi := valueIndex(n, segs[i])
			if vi < 0 {
				k := s.mark(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: segs[i]})
				n.Content = append(n.Content, k, s.mark(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}))
				vi = len(n.Content) - 1
			}
			parent, idx, t = n, vi, f.Type
			where = joinPath(where, segs[i])
			i++
		default: // a list
			if isNull(n) {
				n = s.replace(parent, idx, &yaml.Node{Kind: yaml.SequenceNode})
			}
			if n.Kind != yaml.SequenceNode {
				return s.errorf("%s is not a list in the file (line %d)", where, n.Line)
			}
			ei, used, err := s.element(n, t.Elem(), segs[i:], where)
			if err != nil {
				return err
			}
			parent, idx, t = n, ei, t.Elem()
			where = fmt.Sprintf("%s[%d]", where, ei)
			i += used
		}
	}
	if _, err := s.own(doc, parent, idx); err != nil {
		return err
	}
	v, err := s.value(t, val, where)
	if err != nil {
		return err
	}
	parent.Content[idx] = v
	return nil
}

func nameOr(where string) string {
	if where == "" {
		return "the document"
	}
	return where
}

// own returns parent.Content[idx] made safe to change: an alias there is
// replaced by a copy of what it names, and the other uses (aliases) of an
// anchored node by copies of it, so that a change stays on this path.
func (s *setter) own(doc, parent *yaml.Node, idx int) (*yaml.Node, error) {
	n := parent.Content[idx]
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		budget := maxVisits
		c := copyNode(n.Alias, &budget)
		if c == nil {
			return nil, s.errorf("document too large to change (aliases)")
		}
		parent.Content[idx] = c
		return c, nil
	}
	if n.Anchor != "" {
		if err := s.detach(doc, n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// detach replaces every alias of x in doc by a copy of x, and drops x's
// anchor.
func (s *setter) detach(doc, x *yaml.Node) error {
	budget := maxVisits
	var visit func(n *yaml.Node, depth int) bool
	visit = func(n *yaml.Node, depth int) bool {
		if depth > 10_000 {
			return false
		}
		for i, c := range n.Content {
			if c.Kind == yaml.AliasNode && c.Alias == x {
				if n.Content[i] = copyNode(x, &budget); n.Content[i] == nil {
					return false
				}
			} else if !visit(c, depth+1) {
				return false
			}
		}
		return true
	}
	if !visit(doc, 0) {
		return s.errorf("document too large to change (aliases)")
	}
	x.Anchor = ""
	return nil
}

// copyNode copies a node tree deeply, without its anchors (aliases inside
// still name the originals, which come earlier in the document). It
// returns nil when that takes more than *budget nodes.
func copyNode(n *yaml.Node, budget *int) *yaml.Node {
	if *budget--; *budget < 0 {
		return nil
	}
	c := *n
	c.Anchor = ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		if c.Content[i] = copyNode(e, budget); c.Content[i] == nil {
			return nil
		}
	}
	return &c
}

func (s *setter) replace(parent *yaml.Node, idx int, n *yaml.Node) *yaml.Node {
	old := parent.Content[idx]
	n.Line, n.Column = old.Line, old.Column
	parent.Content[idx] = s.mark(n)
	return n
}

// valueIndex returns the index in a mapping's Content of key's value
// (explicit keys only; merged ones are overridden by adding the key), or
// -1.
func valueIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() != "!!merge" && k.Value == key {
			return i + 1
		}
	}
	return -1
}

// element finds the list element named by segs[0] (an index) or by the
// longest run of segs joined by dots (an element's name: names may hold
// dots). It returns the element's index and how many segments it used.
func (s *setter) element(seq *yaml.Node, elem reflect.Type, segs []string, where string) (int, int, error) {
	if i, err := strconv.Atoi(segs[0]); err == nil && i >= 0 && i < len(seq.Content) && strconv.Itoa(i) == segs[0] {
		return i, 1, nil
	}
	_, named := fieldByKey(elem, "name")
	named = named && deref(elem).Kind() == reflect.Struct
	if named {
		for used := len(segs); used >= 1; used-- {
			name := strings.Join(segs[:used], ".")
			for i, e := range seq.Content {
				if elementName(e) == name {
					return i, used, nil
				}
			}
		}
	}
	if _, err := strconv.Atoi(segs[0]); err == nil || !named {
		return 0, 0, s.errorf("no element %s in %s (%s)", segs[0], where, plural(len(seq.Content), "element"))
	}
	var names []string
	for _, e := range seq.Content {
		if n := elementName(e); n != "" {
			names = append(names, n)
		}
	}
	have := "none"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return 0, 0, s.errorf("no element named %q in %s (have: %s)", segs[0], where, have)
}

// elementName returns the name: of a mapping element, or "".
func elementName(e *yaml.Node) string {
	if e.Kind == yaml.AliasNode && e.Alias != nil {
		e = e.Alias
	}
	if e.Kind != yaml.MappingNode {
		return ""
	}
	if vi := valueIndex(e, "name"); vi >= 0 && e.Content[vi].Kind == yaml.ScalarNode {
		return e.Content[vi].Value
	}
	return ""
}

// value builds the node for val at a key of type t.
func (s *setter) value(t reflect.Type, val, where string) (*yaml.Node, error) {
	switch {
	case isScalarList(t):
		seq := s.mark(&yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle})
		if strings.TrimSpace(val) == "" {
			return seq, nil
		}
		for _, item := range strings.Split(val, ",") {
			seq.Content = append(seq.Content, s.scalar(deref(t).Elem(), strings.TrimSpace(item)))
		}
		return seq, nil
	case isLeaf(t):
		return s.scalar(t, val), nil
	case deref(t).Kind() == reflect.Slice:
		return nil, s.errorf("%s is a list of sections; set a key of one element (e.g. %s.0.name)", where, where)
	}
	return nil, s.errorf("%s is a section; set one of its keys (%s)", nameOr(where), strings.Join(keysOf(t), ", "))
}

// scalar makes a scalar node; a string key's value stays a string even
// when it looks like a number, a boolean or nothing.
func (s *setter) scalar(t reflect.Type, val string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: val}
	if isStringKind(t) {
		n.Tag = "!!str"
	}
	return s.mark(n)
}

// plural writes "1 element", "3 elements".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
