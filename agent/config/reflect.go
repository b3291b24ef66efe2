package config

import (
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML shape of the configuration comes from the Go types: a struct is
// a mapping of its yaml-tagged fields, a slice a sequence, and anything
// else (including the scalar types of this package, which unmarshal
// themselves) a scalar.

var (
	configType      = reflect.TypeFor[Config]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
)

// deref strips pointers.
func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// isCustomScalar reports whether t reads itself from a scalar node.
func isCustomScalar(t reflect.Type) bool {
	return reflect.PointerTo(deref(t)).Implements(unmarshalerType)
}

// isLeaf reports whether t is written as one scalar.
func isLeaf(t reflect.Type) bool {
	t = deref(t)
	return isCustomScalar(t) || t.Kind() != reflect.Struct && t.Kind() != reflect.Slice
}

// isScalarList reports whether t is a list of scalars (labels, channels).
func isScalarList(t reflect.Type) bool {
	t = deref(t)
	return t.Kind() == reflect.Slice && !isCustomScalar(t) && isLeaf(t.Elem())
}

// isStringKind reports whether t is a plain string (a scalar that must
// stay a string whatever it looks like).
func isStringKind(t reflect.Type) bool {
	t = deref(t)
	return t.Kind() == reflect.String && !isCustomScalar(t)
}

// yamlKey returns a struct field's YAML key ("" when it has none).
func yamlKey(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}

// fieldByKey finds the field of struct type t that has YAML key key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlKey(f) == key && key != "" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// keysOf lists the YAML keys of struct type t, sorted.
func keysOf(t reflect.Type) []string {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if k := yamlKey(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// unknownKey words the error for key, which t does not have, suggesting
// the closest known key or listing them all.
func unknownKey(t reflect.Type, key, where string) string {
	in := "at the top level"
	if where != "" {
		in = "in " + where
	}
	keys := keysOf(t)
	best, bestD := "", 3
	for _, k := range keys {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return "unknown key " + quote(key) + " " + in + " (did you mean " + quote(best) + "?)"
	}
	return "unknown key " + quote(key) + " " + in + " (known keys: " + strings.Join(keys, ", ") + ")"
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// quote quotes s as Go would.
func quote(s string) string { return strconv.Quote(s) }
