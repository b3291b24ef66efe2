package shape

import (
	"unsafe"
)

// axisSpec is one loop of a strided copy: count iterations, advancing the
// source and destination by src and dst elements each time (src may be
// negative, for reversed slices).
type axisSpec struct {
	count, src, dst int
}

// copyPlan copies elements between two flat buffers: for every index tuple
// (i_0, ..., i_k) below the loop counts,
//
//	dst[dstBase + sum i_j*dst_j] = src[srcBase + sum i_j*src_j].
//
// Every operator of the package but GATHER reduces to such copies (plus a
// fill for PAD). Building the plan merges loops that walk both buffers
// contiguously and moves the loop that reads the source contiguously
// innermost, so that contiguous blocks become single memmoves and an NCHW-to-NHWC
// transpose a single strided pass per channel.
type copyPlan struct {
	loops            []axisSpec // outermost first; the last is the inner loop
	srcBase, dstBase int
	empty            bool  // some count is zero: nothing to copy
	idx              []int // odometer for the outer loops, reused by Eval
}

// newCopyPlan simplifies loops (outermost first) into a plan.
func newCopyPlan(loops []axisSpec, srcBase, dstBase int) *copyPlan {
	p := &copyPlan{srcBase: srcBase, dstBase: dstBase}
	var ls []axisSpec
	for _, l := range loops {
		if l.count == 0 {
			p.empty = true
			return p
		}
		if l.count == 1 {
			continue
		}
		// Merge with the previous (outer) loop when it continues this one
		// in both buffers.
		if m := len(ls) - 1; m >= 0 && ls[m].src == l.src*l.count && ls[m].dst == l.dst*l.count {
			ls[m] = axisSpec{count: ls[m].count * l.count, src: l.src, dst: l.dst}
			continue
		}
		ls = append(ls, l)
	}
	// Prefer an inner loop that reads the source contiguously when the
	// output-order inner loop does not, and is shorter.
	if k := len(ls) - 1; k > 0 && ls[k].src != 1 {
		best := -1
		for i := 0; i < k; i++ {
			if ls[i].src == 1 && ls[i].count > ls[k].count && (best < 0 || ls[i].count > ls[best].count) {
				best = i
			}
		}
		if best >= 0 {
			inner := ls[best]
			copy(ls[best:], ls[best+1:])
			ls[k] = inner
		}
	}
	p.loops = ls
	if len(ls) > 1 {
		p.idx = make([]int, len(ls)-1)
	}
	return p
}

// run executes the plan on buffers of esize-byte elements.
func (p *copyPlan) run(dst, src []byte, esize int) {
	if p.empty {
		return
	}
	switch esize {
	case 1:
		runPlan(p, dst, src)
	case 2:
		runPlan(p, view[uint16](dst), view[uint16](src))
	case 4:
		runPlan(p, view[uint32](dst), view[uint32](src))
	case 8:
		runPlan(p, view[uint64](dst), view[uint64](src))
	case 16:
		runPlan(p, view[[2]uint64](dst), view[[2]uint64](src))
	}
}

func runPlan[T any](p *copyPlan, dst, src []T) {
	k := len(p.loops) - 1
	if k < 0 {
		dst[p.dstBase] = src[p.srcBase]
		return
	}
	n, ss, ds := p.loops[k].count, p.loops[k].src, p.loops[k].dst
	idx := p.idx
	for i := range idx {
		idx[i] = 0
	}
	so, do := p.srcBase, p.dstBase
	for {
		if ss == 1 && ds == 1 {
			copy(dst[do:do+n], src[so:so+n])
		} else {
			s, d := so, do
			for j := 0; j < n; j++ {
				dst[d] = src[s]
				s += ss
				d += ds
			}
		}
		a := k - 1
		for ; a >= 0; a-- {
			l := &p.loops[a]
			so += l.src
			do += l.dst
			if idx[a]++; idx[a] < l.count {
				break
			}
			so -= l.src * l.count
			do -= l.dst * l.count
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// fill sets every esize-byte element of dst to the little-endian value v
// (the low esize bytes of v[0], or both words for 16-byte elements).
func fill(dst []byte, esize int, v [2]uint64) {
	switch esize {
	case 1:
		fillT(dst, uint8(v[0]))
	case 2:
		fillT(view[uint16](dst), uint16(v[0]))
	case 4:
		fillT(view[uint32](dst), uint32(v[0]))
	case 8:
		fillT(view[uint64](dst), v[0])
	case 16:
		fillT(view[[2]uint64](dst), v)
	}
}

func fillT[T comparable](dst []T, v T) {
	if len(dst) == 0 {
		return
	}
	dst[0] = v
	// Doubling copies are as fast as a memset for any element size.
	for i := 1; i < len(dst); i *= 2 {
		copy(dst[i:], dst[:i])
	}
}

// loadValue reads one little-endian element of esize bytes.
func loadValue(b []byte, esize int) [2]uint64 {
	var v [2]uint64
	for i := 0; i < esize && i < len(b); i++ {
		v[i/8] |= uint64(b[i]) << (8 * (i % 8))
	}
	return v
}

// view reinterprets b as elements of T; the interpreter aligns every
// tensor's data for its element type.
func view[T any](b []byte) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b) < size {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}
