// Command fbsdesc reads a FlatBuffers schema and writes Go descriptors of its
// tables for the generic verifier in inference/internal/fbverify.
//
// The FlatBuffers Go runtime has no verifier: generated accessors trust every
// offset in the buffer. fbsdesc closes that gap by describing, for every table
// in the schema, the kind and size of each field slot, so that fbverify can
// check a whole buffer before any generated accessor touches it.
//
// Usage:
//
//	go run ./internal/tools/fbsdesc -schema schema.fbs -pkg tflite -out desc_gen.go
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"regexp"
	"sort"
	"strings"
)

func main() {
	schema := flag.String("schema", "", "FlatBuffers schema file")
	pkg := flag.String("pkg", "tflite", "Go package name of the output")
	out := flag.String("out", "", "output Go file")
	flag.Parse()
	if *schema == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "fbsdesc: -schema and -out are required")
		os.Exit(2)
	}
	src, err := os.ReadFile(*schema)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fbsdesc:", err)
		os.Exit(1)
	}
	s, err := parse(string(src))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fbsdesc:", err)
		os.Exit(1)
	}
	code, err := s.generate(*pkg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fbsdesc:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "fbsdesc:", err)
		os.Exit(1)
	}
}

type field struct {
	name string
	typ  string // raw type text, e.g. "int", "[ubyte]", "Buffer"
}

type table struct {
	name   string
	fields []field
}

type schema struct {
	root   string
	tables map[string]*table
	order  []string
	enums  map[string]string   // enum name -> underlying scalar type
	unions map[string][]string // union name -> member tables, in order (type 1..n)
}

var (
	reComment = regexp.MustCompile(`//[^\n]*`)
	reAttr    = regexp.MustCompile(`\([^)]*\)`)
	reBlock   = regexp.MustCompile(`(?s)\b(table|enum|union|struct)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z0-9_]+))?\s*\{(.*?)\}`)
	reRoot    = regexp.MustCompile(`root_type\s+([A-Za-z_][A-Za-z0-9_]*)\s*;`)
)

func parse(src string) (*schema, error) {
	src = reComment.ReplaceAllString(src, "")
	s := &schema{tables: map[string]*table{}, enums: map[string]string{}, unions: map[string][]string{}}
	if m := reRoot.FindStringSubmatch(src); m != nil {
		s.root = m[1]
	}
	for _, m := range reBlock.FindAllStringSubmatch(src, -1) {
		kind, name, under, body := m[1], m[2], m[3], reAttr.ReplaceAllString(m[4], "")
		switch kind {
		case "struct":
			return nil, fmt.Errorf("struct %s: structs are not supported", name)
		case "enum":
			if under == "" {
				under = "short"
			}
			s.enums[name] = under
		case "union":
			var members []string
			for _, p := range strings.Split(body, ",") {
				p = strings.TrimSpace(p)
				if p == "" {
					continue
				}
				if i := strings.Index(p, ":"); i >= 0 { // aliased member
					p = strings.TrimSpace(p[i+1:])
				}
				members = append(members, p)
			}
			s.unions[name] = members
		case "table":
			t := &table{name: name}
			for _, stmt := range strings.Split(body, ";") {
				stmt = strings.TrimSpace(stmt)
				if stmt == "" {
					continue
				}
				if i := strings.Index(stmt, "="); i >= 0 {
					stmt = strings.TrimSpace(stmt[:i])
				}
				i := strings.Index(stmt, ":")
				if i < 0 {
					return nil, fmt.Errorf("table %s: cannot parse field %q", name, stmt)
				}
				t.fields = append(t.fields, field{name: strings.TrimSpace(stmt[:i]), typ: strings.TrimSpace(stmt[i+1:])})
			}
			s.tables[name] = t
			s.order = append(s.order, name)
		}
	}
	if s.root == "" {
		return nil, fmt.Errorf("no root_type")
	}
	if s.tables[s.root] == nil {
		return nil, fmt.Errorf("root_type %s is not a table", s.root)
	}
	return s, nil
}

var scalarSize = map[string]int{
	"bool": 1, "byte": 1, "ubyte": 1, "int8": 1, "uint8": 1,
	"short": 2, "ushort": 2, "int16": 2, "uint16": 2,
	"int": 4, "uint": 4, "int32": 4, "uint32": 4, "float": 4, "float32": 4,
	"long": 8, "ulong": 8, "int64": 8, "uint64": 8, "double": 8, "float64": 8,
}

func (s *schema) size(typ string) (int, bool) {
	if n, ok := scalarSize[typ]; ok {
		return n, true
	}
	if u, ok := s.enums[typ]; ok {
		return scalarSize[u], true
	}
	return 0, false
}

// slot is one vtable entry of a table, rendered as a Go composite literal.
func (s *schema) slots(t *table) ([]string, error) {
	var out []string
	for _, f := range t.fields {
		typ := f.typ
		switch {
		case typ == "string":
			out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.String}", f.name))
		case strings.HasPrefix(typ, "["):
			elem := strings.TrimSuffix(strings.TrimPrefix(typ, "["), "]")
			if n, ok := s.size(elem); ok {
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.ScalarVector, Size: %d}", f.name, n))
			} else if elem == "string" {
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.StringVector}", f.name))
			} else if _, ok := s.tables[elem]; ok {
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.TableVector, Table: %q}", f.name, elem))
			} else {
				return nil, fmt.Errorf("table %s field %s: unknown vector element %s", t.name, f.name, elem)
			}
		default:
			if n, ok := s.size(typ); ok {
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.Scalar, Size: %d}", f.name, n))
			} else if _, ok := s.tables[typ]; ok {
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.TableRef, Table: %q}", f.name, typ))
			} else if _, ok := s.unions[typ]; ok {
				// A union field takes two slots: the type tag, then the value.
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.Scalar, Size: 1}", f.name+"_type"))
				out = append(out, fmt.Sprintf("{Name: %q, Kind: fbverify.Union, Union: %q}", f.name, typ))
			} else {
				return nil, fmt.Errorf("table %s field %s: unknown type %s", t.name, f.name, typ)
			}
		}
	}
	return out, nil
}

func (s *schema) generate(pkg string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/tools/fbsdesc. DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "import \"github.com/edge-agent/edge-agent/inference/internal/fbverify\"\n\n")
	fmt.Fprintf(&b, "// Schema describes every table of the schema for fbverify.\n")
	fmt.Fprintf(&b, "var Schema = &fbverify.Schema{\n\tRoot: %q,\n\tTables: map[string][]fbverify.Slot{\n", s.root)
	for _, name := range s.order {
		slots, err := s.slots(s.tables[name])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\t\t%q: {\n", name)
		for _, sl := range slots {
			fmt.Fprintf(&b, "\t\t\t%s,\n", sl)
		}
		fmt.Fprintf(&b, "\t\t},\n")
	}
	fmt.Fprintf(&b, "\t},\n\tUnions: map[string][]string{\n")
	names := make([]string, 0, len(s.unions))
	for n := range s.unions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\t\t%q: {", n)
		for i, m := range s.unions[n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", m)
		}
		b.WriteString("},\n")
	}
	fmt.Fprintf(&b, "\t},\n}\n")
	return format.Source(b.Bytes())
}
