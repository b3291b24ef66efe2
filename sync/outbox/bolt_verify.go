package outbox

import (
	"encoding/binary"
	"fmt"
	"io"
)

// verifyPages walks the B+trees of a bbolt file from its root bucket, as
// bbolt will, but reading pages with ReadAt and checking every pointer
// before following it: each page within the file's high-water mark, its id
// where it says, a known type, its elements inside it, no page reached
// twice (no cycle), and nested buckets the same way. bbolt checks none of
// this before it follows a pointer: a damaged page makes it read out of
// bounds, loop through billions of overflow pages, or recurse through a
// cycle until the stack overflows, which no recover catches. Once this walk
// passed, bbolt's own traversals visit only pages it checked.
//
// The layout (bbolt 1.x, native byte order: the file is only ever read on
// the machine's own kind):
//
//	page header   id u64, flags u16, count u16, overflow u32
//	branch elem   pos u32, ksize u32, pgid u64   (key at elem+pos)
//	leaf elem     flags u32, pos u32, ksize u32, vsize u32 (key, value at elem+pos)
//	bucket value  root u64, sequence u64, then an inline page when root is 0
func verifyPages(r io.ReaderAt, pageSize int, root, hwm uint64) error {
	if pageSize < 1024 || pageSize > 1<<16 {
		return fmt.Errorf("page size %d", pageSize)
	}
	v := &verifier{r: r, pageSize: pageSize, hwm: hwm, seen: make([]uint64, hwm/64+1)}
	// In a sound file every element takes 16 bytes of its own: damaged
	// inline buckets that overlap could otherwise make the walk exponential.
	v.budget = int64(hwm)*int64(pageSize)/elemLen + 16
	return v.tree(root, 0)
}

const (
	pageHeaderLen  = 16
	elemLen        = 16
	branchPageFlag = 0x01
	leafPageFlag   = 0x02
	bucketLeafFlag = 0x01
	bucketHdrLen   = 16
	maxTreeDepth   = 64
)

var ne = binary.NativeEndian

type verifier struct {
	r        io.ReaderAt
	pageSize int
	hwm      uint64
	seen     []uint64 // bitset of pages reached
	budget   int64    // elements left to check
}

// tree checks the page pgid and everything below it.
func (v *verifier) tree(pgid uint64, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("page %d: tree deeper than %d", pgid, maxTreeDepth)
	}
	buf, err := v.page(pgid)
	if err != nil {
		return err
	}
	return v.node(buf, fmt.Sprintf("page %d", pgid), depth)
}

// page reads page pgid with its overflow pages, and marks them reached.
func (v *verifier) page(pgid uint64) ([]byte, error) {
	if pgid < 2 || pgid >= v.hwm {
		return nil, fmt.Errorf("page %d: outside the file's pages 2..%d", pgid, v.hwm-1)
	}
	buf := make([]byte, v.pageSize)
	if _, err := v.r.ReadAt(buf, int64(pgid)*int64(v.pageSize)); err != nil {
		return nil, fmt.Errorf("page %d: %w", pgid, err)
	}
	if id := ne.Uint64(buf); id != pgid {
		return nil, fmt.Errorf("page %d: header says page %d", pgid, id)
	}
	overflow := uint64(ne.Uint32(buf[12:]))
	if pgid+overflow >= v.hwm {
		return nil, fmt.Errorf("page %d: %d overflow pages run past the file's pages", pgid, overflow)
	}
	for id := pgid; id <= pgid+overflow; id++ {
		if v.seen[id/64]&(1<<(id%64)) != 0 {
			return nil, fmt.Errorf("page %d: reached twice", id)
		}
		v.seen[id/64] |= 1 << (id % 64)
	}
	if overflow > 0 {
		buf = append(buf, make([]byte, overflow*uint64(v.pageSize))...)
		if _, err := v.r.ReadAt(buf[v.pageSize:], (int64(pgid)+1)*int64(v.pageSize)); err != nil {
			return nil, fmt.Errorf("page %d: %w", pgid, err)
		}
	}
	return buf, nil
}

// node checks a branch or leaf page held in buf (a page of the file, or an
// inline bucket's page inside a value).
func (v *verifier) node(buf []byte, where string, depth int) error {
	if len(buf) < pageHeaderLen {
		return fmt.Errorf("%s: %d bytes, no page header", where, len(buf))
	}
	flags, count := ne.Uint16(buf[8:]), int(ne.Uint16(buf[10:]))
	if pageHeaderLen+count*elemLen > len(buf) {
		return fmt.Errorf("%s: %d elements do not fit %d bytes", where, count, len(buf))
	}
	if v.budget -= int64(count) + 1; v.budget < 0 {
		return fmt.Errorf("%s: more elements than the file has room for (overlapping buckets)", where)
	}
	switch flags {
	case branchPageFlag:
		if count == 0 {
			return fmt.Errorf("%s: empty branch page", where)
		}
		for i := range count {
			at := pageHeaderLen + i*elemLen
			e := buf[at:]
			if err := inside(buf, at, ne.Uint32(e), ne.Uint32(e[4:]), 0); err != nil {
				return fmt.Errorf("%s: branch element %d: %w", where, i, err)
			}
			if err := v.tree(ne.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
		}
	case leafPageFlag:
		for i := range count {
			at := pageHeaderLen + i*elemLen
			e := buf[at:]
			eflags, pos, ksize, vsize := ne.Uint32(e), ne.Uint32(e[4:]), ne.Uint32(e[8:]), ne.Uint32(e[12:])
			if err := inside(buf, at, pos, ksize, vsize); err != nil {
				return fmt.Errorf("%s: leaf element %d: %w", where, i, err)
			}
			if eflags&bucketLeafFlag == 0 {
				continue
			}
			start := at + int(pos) + int(ksize)
			val := buf[start : start+int(vsize)]
			if err := v.bucket(val, fmt.Sprintf("%s, bucket %d", where, i), depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: page type %#x", where, flags)
	}
	return nil
}

// bucket checks a bucket's value: its root page, or its inline page.
func (v *verifier) bucket(val []byte, where string, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("%s: buckets nested deeper than %d", where, maxTreeDepth)
	}
	if len(val) < bucketHdrLen {
		return fmt.Errorf("%s: bucket header of %d bytes", where, len(val))
	}
	if root := ne.Uint64(val); root != 0 {
		return v.tree(root, depth)
	}
	return v.node(val[bucketHdrLen:], where+" (inline)", depth)
}

// inside checks that a key of ksize and a value of vsize at pos bytes past
// the element at offset at lie within buf.
func inside(buf []byte, at int, pos, ksize, vsize uint32) error {
	end := uint64(at) + uint64(pos) + uint64(ksize) + uint64(vsize)
	if end > uint64(len(buf)) {
		return fmt.Errorf("key and value at +%d (%d + %d bytes) past the page's %d bytes", pos, ksize, vsize, len(buf))
	}
	return nil
}
