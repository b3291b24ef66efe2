package qmatvec

import (
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// Matrix is an int8 matrix with a per-row int32 bias, packed for one
// kernel. It holds a staging buffer for the activations, so one Matrix
// must not be used by several goroutines at once.
type Matrix struct {
	kernel     kernel
	rows, cols int
	// Packed layout: kernelGo keeps W row-major; the SIMD kernels pad the
	// rows to blocks of block rows and the columns to a multiple of align,
	// and interleave the weights of group consecutive columns.
	block, group, align int
	kpad                int     // padded column count
	w                   []int8  // packed weights
	bias                []int32 // rows rounded up to blocks, with corrections folded in
	x8                  []uint8 // staged activations (VNNI: x + 128)
	x16                 []int16 // staged activations (AVX2, NEON: sign-extended)
	out                 []int32 // results of the last, partial block
}

// Pack packs the rows × cols row-major matrix w and the bias (nil means
// zero) for the kernel that implements path (see the package comment;
// "" means generic). The path must be available on this CPU.
func Pack(path gemm.Path, w []int8, rows, cols int, bias []int32) (*Matrix, error) {
	k, err := kernelFor(path)
	if err != nil {
		return nil, err
	}
	return pack(k, w, rows, cols, bias)
}

func pack(k kernel, w []int8, rows, cols int, bias []int32) (*Matrix, error) {
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("qmatvec: matrix of %d × %d: both sizes must be positive", rows, cols)
	}
	if len(w) != rows*cols {
		return nil, fmt.Errorf("qmatvec: matrix of %d × %d has %d weights", rows, cols, len(w))
	}
	if bias != nil && len(bias) != rows {
		return nil, fmt.Errorf("qmatvec: matrix of %d rows has %d biases", rows, len(bias))
	}
	m := &Matrix{kernel: k, rows: rows, cols: cols, block: 1, group: 1, align: 1}
	switch k {
	case kernelAVX2:
		m.block, m.group, m.align = 8, 2, 2
	case kernelVNNI:
		m.block, m.group, m.align = 16, 4, 4
	case kernelNEON:
		m.block, m.group, m.align = 16, 1, 8
	}
	m.kpad = roundUp(cols, m.align)
	prows := roundUp(rows, m.block)
	m.bias = make([]int32, prows)
	copy(m.bias, bias)
	if k == kernelGo {
		m.w = append([]int8(nil), w...)
		return m, nil
	}
	// Within a block of rows, the weights of each group of columns are
	// stored row after row: w[block][group index][row in block][column in group].
	m.w = make([]int8, prows*m.kpad)
	i := 0
	for r0 := 0; r0 < prows; r0 += m.block {
		for c0 := 0; c0 < m.kpad; c0 += m.group {
			for r := r0; r < r0+m.block; r++ {
				for c := c0; c < c0+m.group; c++ {
					if r < rows && c < cols {
						m.w[i] = w[r*cols+c]
					}
					i++
				}
			}
		}
	}
	if k == kernelVNNI {
		// The activations enter as x + 128: subtract 128·Σ_c W[r,c].
		for r := range rows {
			var s int32
			for _, v := range w[r*cols : (r+1)*cols] {
				s += int32(v)
			}
			m.bias[r] -= 128 * s
		}
		m.x8 = make([]uint8, m.kpad)
	} else {
		m.x16 = make([]int16, m.kpad)
	}
	if prows != rows {
		m.out = make([]int32, m.block)
	}
	return m, nil
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// Rows returns the number of rows.
func (m *Matrix) Rows() int { return m.rows }

// Cols returns the number of columns, the length of the vectors.
func (m *Matrix) Cols() int { return m.cols }

// Kernel returns the name of the kernel the matrix is packed for.
func (m *Matrix) Kernel() string { return m.kernel.String() }

// MulVec sets dst[r] = bias[r] + Σ_c W[r,c]*x[c] for every row r, with
// int32 arithmetic that wraps. x must hold Cols values and dst at least
// Rows; dst[Rows:] is left alone.
func (m *Matrix) MulVec(dst []int32, x []int8) error {
	if len(x) != m.cols {
		return fmt.Errorf("qmatvec: vector of %d values for a matrix of %d columns", len(x), m.cols)
	}
	if len(dst) < m.rows {
		return fmt.Errorf("qmatvec: %d outputs for a matrix of %d rows", len(dst), m.rows)
	}
	if m.kernel == kernelGo {
		mulVecGo(dst[:m.rows], m.w, x, m.bias[:m.rows])
		return nil
	}
	m.stage(x)
	m.mulVecSIMD(dst)
	return nil
}

// stage copies x into the activation buffer of the SIMD kernels: biased
// by 128 as unsigned bytes for VNNI, sign-extended to halfwords for the
// others. Whatever the padding columns hold meets zero weights.
func (m *Matrix) stage(x []int8) {
	if m.kernel == kernelVNNI {
		x8 := m.x8[:len(x)]
		for i, v := range x {
			x8[i] = uint8(v) ^ 0x80
		}
		return
	}
	x16 := m.x16[:len(x)]
	for i, v := range x {
		x16[i] = int16(v)
	}
}

// blocksGo is the portable form of the SIMD kernels on their packed
// layout and staged activations: blocks of rows from b0 on, nb of them,
// into dst. It runs where a kernel has no assembly, and the tests use it
// to check every layout on any CPU.
func (m *Matrix) blocksGo(dst []int32, b0, nb int) {
	groups := m.kpad / m.group
	for b := range nb {
		for r := range m.block {
			row := (b0+b)*m.block + r
			acc := m.bias[row]
			for g := range groups {
				w := m.w[(((b0+b)*groups+g)*m.block+r)*m.group:][:m.group]
				for c, v := range w {
					k := g*m.group + c
					if m.kernel == kernelVNNI {
						acc += int32(v) * int32(m.x8[k])
					} else {
						acc += int32(v) * int32(m.x16[k])
					}
				}
			}
			dst[b*m.block+r] = acc
		}
	}
}

// mulVecSIMD runs the kernel on the staged activations: the full blocks
// straight into dst, the partial last block through m.out.
func (m *Matrix) mulVecSIMD(dst []int32) {
	full := m.rows / m.block
	if full > 0 {
		m.blocks(dst, 0, full)
	}
	if m.out != nil {
		m.blocks(m.out, full, 1)
		copy(dst[full*m.block:m.rows], m.out)
	}
}

// mulVecGo is the portable kernel: four rows at a time, each row's
// products summed in one int32 accumulator.
func mulVecGo(dst []int32, w, x []int8, bias []int32) {
	cols := len(x)
	r := 0
	for ; r+4 <= len(dst); r += 4 {
		w0 := w[r*cols:][:len(x)]
		w1 := w[(r+1)*cols:][:len(x)]
		w2 := w[(r+2)*cols:][:len(x)]
		w3 := w[(r+3)*cols:][:len(x)]
		s0, s1, s2, s3 := bias[r], bias[r+1], bias[r+2], bias[r+3]
		for c, v := range x {
			xv := int32(v)
			s0 += int32(w0[c]) * xv
			s1 += int32(w1[c]) * xv
			s2 += int32(w2[c]) * xv
			s3 += int32(w3[c]) * xv
		}
		dst[r], dst[r+1], dst[r+2], dst[r+3] = s0, s1, s2, s3
	}
	for ; r < len(dst); r++ {
		s := bias[r]
		for c, v := range x {
			s += int32(w[r*cols+c]) * int32(v)
		}
		dst[r] = s
	}
}
