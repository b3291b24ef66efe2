package arith

import (
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/tflite"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

func testNode() *ops.Node {
	return &ops.Node{Op: &model.Operator{Code: model.OpCode{Builtin: tflite.BuiltinOperatorADD}}}
}

// naiveOffsets maps every output element to its input offsets with plain
// multi-index arithmetic.
func naiveOffsets(a, b, o []int) (offA, offB []int) {
	r := max(len(a), len(b), len(o))
	n := tensor.NumElements(o)
	idx := make([]int, r)
	for i := 0; i < n; i++ {
		rem := i
		for d := r - 1; d >= 0; d-- {
			idx[d] = rem % dimAt(o, r, d)
			rem /= dimAt(o, r, d)
		}
		ja, jb := 0, 0
		for d := 0; d < r; d++ {
			ja = ja*dimAt(a, r, d) + idx[d]%dimAt(a, r, d)
			jb = jb*dimAt(b, r, d) + idx[d]%dimAt(b, r, d)
		}
		offA, offB = append(offA, ja), append(offB, jb)
	}
	return offA, offB
}

// walk returns the offsets the cursor visits over [lo, hi).
func walk(bc *broadcast, lo, hi int) (offA, offB, offO []int) {
	for c := bc.start(lo, hi); c.n > 0; c.next() {
		if c.sa > 1 || c.sb > 1 {
			panic("inner stride above 1")
		}
		for i := 0; i < c.n; i++ {
			offA, offB, offO = append(offA, c.a+i*c.sa), append(offB, c.b+i*c.sb), append(offO, c.o+i)
		}
	}
	return offA, offB, offO
}

func TestBroadcastFusion(t *testing.T) {
	for _, tc := range []struct {
		a, b, o []int
		rank    int
		sa, sb  int // innermost strides
	}{
		{[]int{2, 3, 4}, []int{2, 3, 4}, []int{2, 3, 4}, 1, 1, 1}, // equal shapes: one run
		{[]int{2, 3, 4}, []int{1}, []int{2, 3, 4}, 1, 1, 0},       // scalar: one run, stride 0
		{[]int{}, []int{5, 2}, []int{5, 2}, 1, 0, 1},
		{[]int{2, 3}, []int{3}, []int{2, 3}, 2, 1, 1},
		{[]int{2, 1, 3}, []int{1, 4, 1}, []int{2, 4, 3}, 3, 1, 0},
		{[]int{4, 1, 1}, []int{1, 2, 3}, []int{4, 2, 3}, 2, 0, 1}, // the two inner dims fuse
		{[]int{1}, []int{1, 1}, []int{1}, 1, 0, 0},
	} {
		var bc broadcast
		in1, in2, out := &tensor.Tensor{Shape: tc.a}, &tensor.Tensor{Shape: tc.b}, &tensor.Tensor{Shape: tc.o}
		if err := bc.plan(testNode(), in1, in2, out); err != nil {
			t.Fatalf("%v %v: %v", tc.a, tc.b, err)
		}
		inner := bc.rank - 1
		if bc.rank != tc.rank || bc.strideA[inner] != tc.sa || bc.strideB[inner] != tc.sb {
			t.Errorf("%v %v: rank %d, inner strides %d %d; want %d, %d %d", tc.a, tc.b, bc.rank, bc.strideA[inner], bc.strideB[inner], tc.rank, tc.sa, tc.sb)
		}
	}
}

// TestBroadcastCursor compares the cursor with naive indexing on random
// shapes up to rank 6 and random sub-ranges, as parallel chunks use them.
func TestBroadcastCursor(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		r := rng.IntN(maxRank + 1)
		o := make([]int, r)
		a, b := make([]int, r), make([]int, r)
		for i := range o {
			o[i] = 1 + rng.IntN(4)
			a[i], b[i] = o[i], o[i]
			switch rng.IntN(4) {
			case 0:
				a[i] = 1
			case 1:
				b[i] = 1
			}
		}
		a = a[rng.IntN(r+1):] // drop some leading dimensions
		b = b[rng.IntN(r+1):]
		want, _ := broadcastShape(a, b)
		o = trimOnes(want)
		var bc broadcast
		if err := bc.plan(testNode(), &tensor.Tensor{Shape: a}, &tensor.Tensor{Shape: b}, &tensor.Tensor{Shape: o}); err != nil {
			t.Fatalf("%v %v: %v", a, b, err)
		}
		wantA, wantB := naiveOffsets(a, b, o)
		n := len(wantA)
		lo := rng.IntN(n + 1)
		hi := lo + rng.IntN(n-lo+1)
		gotA, gotB, gotO := walk(&bc, lo, hi)
		if len(gotO) != hi-lo {
			t.Fatalf("%v %v [%d,%d): visited %d elements", a, b, lo, hi, len(gotO))
		}
		for i := range gotO {
			if gotO[i] != lo+i || gotA[i] != wantA[lo+i] || gotB[i] != wantB[lo+i] {
				t.Fatalf("%v %v [%d,%d): element %d maps to (%d, %d, %d), want (%d, %d, %d)",
					a, b, lo, hi, i, gotO[i], gotA[i], gotB[i], lo+i, wantA[lo+i], wantB[lo+i])
			}
		}
	}
}
