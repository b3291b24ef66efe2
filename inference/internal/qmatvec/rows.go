package qmatvec

import (
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// RowDot computes the dot products of corresponding rows of two int16
// matrices (the SVDF's time weights and activation queues) on one kernel
// path. It holds no buffers: one RowDot may be used concurrently.
type RowDot struct {
	kernel kernel
}

// NewRowDot returns the row dot product of the kernel that implements
// path ("" means generic), which must be available on this CPU.
func NewRowDot(path gemm.Path) (*RowDot, error) {
	k, err := kernelFor(path)
	if err != nil {
		return nil, err
	}
	return &RowDot{kernel: k}, nil
}

// Kernel returns the name of the kernel.
func (d *RowDot) Kernel() string { return d.kernel.String() }

// Int16 sets dst[r] = Σ_c a[r*cols+c]*b[r*cols+c] for the len(dst) rows
// of cols = len(a)/len(dst) columns, with int32 arithmetic that wraps.
// a and b must have the same length, a multiple of len(dst).
func (d *RowDot) Int16(dst []int32, a, b []int16) error {
	rows := len(dst)
	if len(a) != len(b) {
		return fmt.Errorf("qmatvec: row dot products of %d and %d values", len(a), len(b))
	}
	if rows == 0 {
		if len(a) != 0 {
			return fmt.Errorf("qmatvec: %d values for no rows", len(a))
		}
		return nil
	}
	if len(a)%rows != 0 {
		return fmt.Errorf("qmatvec: %d values do not split into %d rows", len(a), rows)
	}
	cols := len(a) / rows
	if cols == 0 || d.kernel == kernelGo {
		dotRowsGo(dst, a, b, cols)
		return nil
	}
	dotRowsSIMD(d.kernel, dst, a, b, cols)
	return nil
}

// dotRowsGo is the portable kernel.
func dotRowsGo(dst []int32, a, b []int16, cols int) {
	for r := range dst {
		ar := a[r*cols:][:cols]
		br := b[r*cols:][:cols]
		var s0, s1 int32
		c := 0
		for ; c+2 <= cols; c += 2 {
			s0 += int32(ar[c]) * int32(br[c])
			s1 += int32(ar[c+1]) * int32(br[c+1])
		}
		if c < cols {
			s0 += int32(ar[c]) * int32(br[c])
		}
		dst[r] = s0 + s1
	}
}
