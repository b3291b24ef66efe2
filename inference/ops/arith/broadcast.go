package arith

import (
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// maxRank is the highest rank (after dropping leading dimensions of size 1)
// the broadcasting kernels accept.
const maxRank = 6

// broadcast maps the output elements of an elementwise binary operator onto
// its two inputs with NumPy broadcasting. Prepare builds it once; Eval walks
// it with a cursor, which never allocates.
//
// Adjacent dimensions that both inputs traverse in the same way (both
// contiguous, or both repeated) are fused, so the output is a few nested
// loops whose innermost one is long: inputs of equal shape become a single
// contiguous run, and a scalar (one-element) input becomes a single run with
// stride 0 on that side.
type broadcast struct {
	size int // output elements
	rank int // fused dimensions, at least 1
	// dims are the fused output extents, outermost first; strideA and
	// strideB the element strides of each input along them (0 where that
	// input is repeated).
	dims             [maxRank]int
	strideA, strideB [maxRank]int
}

// trimOnes drops leading dimensions of size 1.
func trimOnes(shape []int) []int {
	for len(shape) > 0 && shape[0] == 1 {
		shape = shape[1:]
	}
	return shape
}

// dimAt returns dimension i of shape right-aligned to rank r (1 where shape
// is shorter).
func dimAt(shape []int, r, i int) int {
	j := i - (r - len(shape))
	if j < 0 {
		return 1
	}
	return shape[j]
}

// broadcastShape returns the NumPy broadcast of shapes a and b, or false when
// they are incompatible.
func broadcastShape(a, b []int) ([]int, bool) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := range out {
		da, db := dimAt(a, r, i), dimAt(b, r, i)
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, false
		}
	}
	return out, true
}

// plan checks that in1 and in2 broadcast to out's shape (leading dimensions of
// size 1 aside, as TFLite Micro extends every shape to the largest rank) and
// builds the iteration.
func (bc *broadcast) plan(n *ops.Node, in1, in2, out *tensor.Tensor) error {
	want, ok := broadcastShape(in1.Shape, in2.Shape)
	if !ok {
		return n.Errorf("input shapes %v and %v are not broadcast-compatible", in1.Shape, in2.Shape)
	}
	a, b, o := trimOnes(in1.Shape), trimOnes(in2.Shape), trimOnes(out.Shape)
	if !tensor.SameShape(trimOnes(want), o) {
		return n.Errorf("output %s has shape %v, but inputs %v and %v broadcast to %v", out, out.Shape, in1.Shape, in2.Shape, want)
	}
	r := max(len(a), len(b), len(o))
	if r > maxRank {
		return n.Errorf("rank %d is above the supported %d", r, maxRank)
	}
	*bc = broadcast{size: out.NumElements()}

	// Walk the dimensions from the innermost outwards, merging each into the
	// previous fused dimension when both inputs continue it seamlessly.
	var dims, sa, sb [maxRank]int // innermost first
	k := 0
	accA, accB := 1, 1
	for i := r - 1; i >= 0; i-- {
		da, db, do := dimAt(a, r, i), dimAt(b, r, i), dimAt(o, r, i)
		if do == 1 {
			continue // then da == db == 1: nothing moves
		}
		strA, strB := accA, accB
		if da == 1 {
			strA = 0
		}
		if db == 1 {
			strB = 0
		}
		accA *= da
		accB *= db
		if k > 0 && continues(sa[k-1], dims[k-1], strA) && continues(sb[k-1], dims[k-1], strB) {
			dims[k-1] *= do
			continue
		}
		dims[k], sa[k], sb[k] = do, strA, strB
		k++
	}
	if k == 0 { // a single element
		dims[0], k = 1, 1
	}
	bc.rank = k
	for j := 0; j < k; j++ {
		bc.dims[j], bc.strideA[j], bc.strideB[j] = dims[k-1-j], sa[k-1-j], sb[k-1-j]
	}
	return nil
}

// continues reports whether a dimension with stride next carries on where an
// inner fused dimension of stride inner and extent ext ends.
func continues(inner, ext, next int) bool {
	if inner == 0 {
		return next == 0
	}
	return next == inner*ext
}

// cursor walks a range of output elements as runs along the innermost fused
// dimension. Element i of a run is output[o+i] = op(in1[a+i*sa], in2[b+i*sb]),
// with sa and sb 0 or 1.
type cursor struct {
	bc         *broadcast
	idx        [maxRank]int
	a, b, o, n int // offsets and length of the current run; n == 0 when done
	sa, sb     int
	left       int // elements after the current run
}

// start returns a cursor over output elements [lo, hi).
func (bc *broadcast) start(lo, hi int) cursor {
	c := cursor{bc: bc}
	if lo >= hi || bc.size == 0 {
		return c
	}
	rem := lo
	for d := bc.rank - 1; d >= 0; d-- {
		c.idx[d] = rem % bc.dims[d]
		rem /= bc.dims[d]
	}
	inner := bc.rank - 1
	c.sa, c.sb = bc.strideA[inner], bc.strideB[inner]
	c.o = lo
	c.locate()
	c.n = min(bc.dims[inner]-c.idx[inner], hi-lo)
	c.left = hi - lo - c.n
	return c
}

// next moves to the following run.
func (c *cursor) next() {
	if c.left == 0 {
		c.n = 0
		return
	}
	bc := c.bc
	inner := bc.rank - 1
	c.o += c.n
	c.idx[inner] += c.n
	for d := inner; d > 0 && c.idx[d] == bc.dims[d]; d-- {
		c.idx[d] = 0
		c.idx[d-1]++
	}
	c.locate()
	c.n = min(bc.dims[inner]-c.idx[inner], c.left)
	c.left -= c.n
}

// locate computes the input offsets of the current index.
func (c *cursor) locate() {
	c.a, c.b = 0, 0
	for d := 0; d < c.bc.rank; d++ {
		c.a += c.idx[d] * c.bc.strideA[d]
		c.b += c.idx[d] * c.bc.strideB[d]
	}
}
