// Package fbverify checks a FlatBuffers buffer against a schema description
// before generated accessors read it.
//
// The FlatBuffers Go runtime trusts every offset it follows: a truncated or
// hostile buffer makes generated accessors index past the end of the slice.
// Verify walks the whole object graph reachable from the root table, as the
// C++ runtime's Verifier does, and checks every table, vtable, field, vector
// and string it meets against the buffer's bounds. After Verify returns nil,
// every accessor of the generated code for the described schema reads inside
// the buffer.
//
// Limits on depth and on the number of tables visited bound the work done on
// buffers whose offsets form deep chains or reuse one object many times.
package fbverify

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Kind says what a table slot holds.
type Kind uint8

// The kinds of slots.
const (
	Scalar       Kind = iota // an inline scalar of Size bytes
	String                   // an offset to a string
	ScalarVector             // an offset to a vector of Size-byte scalars
	StringVector             // an offset to a vector of offsets to strings
	TableVector              // an offset to a vector of offsets to tables of type Table
	TableRef                 // an offset to a table of type Table
	Union                    // an offset to a table whose type is given by the previous slot
)

// Slot describes one vtable entry of a table.
type Slot struct {
	Name  string
	Kind  Kind
	Size  int    // element size for Scalar and ScalarVector
	Table string // table type for TableVector and TableRef
	Union string // union name for Union
}

// Schema describes the tables of a FlatBuffers schema.
type Schema struct {
	Root   string
	Tables map[string][]Slot
	Unions map[string][]string // members in tag order; tag 0 is NONE
}

// Options bound the verification.
type Options struct {
	// Identifier, when not empty, is the 4-byte file identifier the buffer must carry.
	Identifier string
	// MaxDepth bounds the nesting of tables (default 64).
	MaxDepth int
	// MaxTables bounds the number of tables visited (default 1,000,000).
	MaxTables int
}

// Error describes where and why a buffer failed verification.
type Error struct {
	Path   string // e.g. "Model.subgraphs[0].tensors[3].shape"
	Offset int64  // byte offset in the buffer, -1 when not known
	Reason string
}

func (e *Error) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("%s: %s (at byte %d)", e.Path, e.Reason, e.Offset)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Reason)
}

// path is a linked list of path elements, formatted only on error.
type path struct {
	parent *path
	name   string
	index  int // -1 when not an element of a vector
}

func (p *path) String() string {
	var parts []string
	for q := p; q != nil; q = q.parent {
		s := q.name
		if q.index >= 0 {
			s += "[" + strconv.Itoa(q.index) + "]"
		}
		parts = append(parts, s)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

type verifier struct {
	buf       []byte
	size      int64
	schema    *Schema
	maxDepth  int
	maxTables int
	tables    int
}

// Verify checks buf against s. It returns an *Error on the first problem found.
func Verify(buf []byte, s *Schema, opt Options) error {
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 64
	}
	if opt.MaxTables <= 0 {
		opt.MaxTables = 1_000_000
	}
	root := &path{name: s.Root, index: -1}
	if int64(len(buf)) >= 1<<31 {
		return &Error{Path: root.String(), Offset: -1, Reason: fmt.Sprintf("buffer of %d bytes exceeds the FlatBuffers limit of 2 GiB", len(buf))}
	}
	if len(buf) < 8 {
		return &Error{Path: root.String(), Offset: -1, Reason: fmt.Sprintf("buffer of %d bytes is too short to hold a root offset and identifier", len(buf))}
	}
	if opt.Identifier != "" && string(buf[4:8]) != opt.Identifier {
		return &Error{Path: root.String(), Offset: 4, Reason: fmt.Sprintf("file identifier is %q, want %q", buf[4:8], opt.Identifier)}
	}
	v := &verifier{buf: buf, size: int64(len(buf)), schema: s, maxDepth: opt.MaxDepth, maxTables: opt.MaxTables}
	if _, ok := s.Tables[s.Root]; !ok {
		return &Error{Path: root.String(), Offset: -1, Reason: "schema has no root table"}
	}
	rootPos := int64(binary.LittleEndian.Uint32(buf))
	return v.table(rootPos, s.Root, root, 1)
}

func (v *verifier) fail(p *path, off int64, format string, args ...any) error {
	return &Error{Path: p.String(), Offset: off, Reason: fmt.Sprintf(format, args...)}
}

func (v *verifier) u16(off int64) uint16 { return binary.LittleEndian.Uint16(v.buf[off:]) }
func (v *verifier) u32(off int64) uint32 { return binary.LittleEndian.Uint32(v.buf[off:]) }

// within reports whether [off, off+n) lies inside the buffer.
func (v *verifier) within(off, n int64) bool {
	return off >= 0 && n >= 0 && off <= v.size && n <= v.size-off
}

// deref follows the uoffset stored at off.
func (v *verifier) deref(off int64, p *path) (int64, error) {
	if !v.within(off, 4) {
		return 0, v.fail(p, off, "offset field runs past the end of the buffer (size %d)", v.size)
	}
	target := off + int64(v.u32(off))
	if target >= v.size {
		return 0, v.fail(p, off, "offset points to byte %d, past the end of the buffer (size %d)", target, v.size)
	}
	return target, nil
}

func (v *verifier) table(pos int64, name string, p *path, depth int) error {
	if depth > v.maxDepth {
		return v.fail(p, pos, "tables nested deeper than %d", v.maxDepth)
	}
	v.tables++
	if v.tables > v.maxTables {
		return v.fail(p, pos, "more than %d tables", v.maxTables)
	}
	if !v.within(pos, 4) {
		return v.fail(p, pos, "table starts past the end of the buffer (size %d)", v.size)
	}
	vt := pos - int64(int32(v.u32(pos)))
	if !v.within(vt, 4) {
		return v.fail(p, pos, "vtable at byte %d lies outside the buffer (size %d)", vt, v.size)
	}
	vtSize, tSize := int64(v.u16(vt)), int64(v.u16(vt+2))
	if vtSize < 4 || vtSize%2 != 0 || !v.within(vt, vtSize) {
		return v.fail(p, vt, "vtable size %d is invalid or runs past the end of the buffer", vtSize)
	}
	if tSize < 4 || !v.within(pos, tSize) {
		return v.fail(p, pos, "table size %d is invalid or runs past the end of the buffer", tSize)
	}
	slots, known := v.schema.Tables[name]
	if !known {
		return nil // an unknown union member: its structure is checked, nothing reads it
	}
	var unionType uint8
	for i, s := range slots {
		entry := vt + 4 + 2*int64(i)
		if entry+2 > vt+vtSize {
			break // fields past the vtable's end are absent
		}
		o := int64(v.u16(entry))
		if o == 0 {
			if s.Kind == Scalar && s.Size == 1 {
				unionType = 0
			}
			continue
		}
		fp := &path{parent: p, name: s.Name, index: -1}
		field := pos + o
		need := int64(4)
		if s.Kind == Scalar {
			need = int64(s.Size)
		}
		if o < 4 || o+need > tSize {
			return v.fail(fp, field, "field at table offset %d (size %d) lies outside the table's %d bytes", o, need, tSize)
		}
		if s.Kind == Scalar {
			if s.Size == 1 {
				unionType = v.buf[field]
			}
			continue
		}
		target, err := v.deref(field, fp)
		if err != nil {
			return err
		}
		switch s.Kind {
		case String:
			if _, err := v.vector(target, 1, fp); err != nil {
				return err
			}
		case ScalarVector:
			if _, err := v.vector(target, int64(s.Size), fp); err != nil {
				return err
			}
		case StringVector, TableVector:
			n, err := v.vector(target, 4, fp)
			if err != nil {
				return err
			}
			for j := int64(0); j < n; j++ {
				ep := &path{parent: p, name: s.Name, index: int(j)}
				elem, err := v.deref(target+4+4*j, ep)
				if err != nil {
					return err
				}
				if s.Kind == StringVector {
					if _, err := v.vector(elem, 1, ep); err != nil {
						return err
					}
				} else if err := v.table(elem, s.Table, ep, depth+1); err != nil {
					return err
				}
			}
		case TableRef:
			if err := v.table(target, s.Table, fp, depth+1); err != nil {
				return err
			}
		case Union:
			members := v.schema.Unions[s.Union]
			member := ""
			if unionType == 0 {
				continue // type NONE: no reader follows the value
			}
			if int(unionType) <= len(members) {
				member = members[unionType-1]
			}
			if err := v.table(target, member, fp, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// vector checks a vector (or string) of n elements of elemSize bytes at pos and returns n.
func (v *verifier) vector(pos, elemSize int64, p *path) (int64, error) {
	if !v.within(pos, 4) {
		return 0, v.fail(p, pos, "vector length runs past the end of the buffer (size %d)", v.size)
	}
	n := int64(v.u32(pos))
	if n > (v.size-pos-4)/elemSize {
		return 0, v.fail(p, pos, "vector of %d elements of %d bytes runs past the end of the buffer (size %d)", n, elemSize, v.size)
	}
	return n, nil
}
