package gemm

import (
	"fmt"
	"math"
)

// PackedInt8 is an int8 weight matrix packed for one kernel path, with its
// requantization folded in. It is immutable after packing: Run may be
// called on it from several goroutines at once.
type PackedInt8 struct {
	path Path
	n, k int

	addend []int32   // per channel: bias + InOffset*Σ_k w (wrapping)
	sc     []scaling // per channel
	outOffset,
	qmin, qmax int32

	w []int8 // generic: a row-major copy of the weights

	simd simdLayout // avx2, avxvnni, avx512vnni, neon, sdot and i8mm
}

// PackInt8 packs the n×k row-major int8 weights w (row c is output channel
// c) for the default path.
func PackInt8(w []int8, n, k int, rq Requant) (*PackedInt8, error) {
	return PackInt8With(Default(), w, n, k, rq)
}

// PackInt8With packs the n×k row-major int8 weights w (row c is output
// channel c) and their requantization for the given path, which must be
// available on this CPU. Weights may take every int8 value, -128 included.
func PackInt8With(path Path, w []int8, n, k int, rq Requant) (*PackedInt8, error) {
	if !Available(path) {
		return nil, pathError(path)
	}
	if n <= 0 || k <= 0 {
		return nil, fmt.Errorf("gemm: pack %d×%d weights: dimensions must be positive", n, k)
	}
	if n > math.MaxInt32/k {
		return nil, fmt.Errorf("gemm: pack %d×%d weights: too large", n, k)
	}
	if len(w) != n*k {
		return nil, fmt.Errorf("gemm: pack %d×%d weights: got %d values, want %d", n, k, len(w), n*k)
	}
	if err := rq.check(n); err != nil {
		return nil, fmt.Errorf("gemm: pack %d×%d weights: %w", n, k, err)
	}
	p := &PackedInt8{
		path: path, n: n, k: k,
		addend:    make([]int32, n),
		sc:        make([]scaling, n),
		outOffset: rq.OutOffset, qmin: rq.QMin, qmax: rq.QMax,
	}
	for c := range n {
		p.addend[c] = foldAddend(w[c*k:(c+1)*k], rq, c, 0)
		p.sc[c] = newScaling(rq.Mult[c], rq.Shift[c])
	}
	switch path {
	case Generic:
		p.w = append([]int8(nil), w...)
	case AVX2:
		p.simd = packAVX2(w, n, k, rq)
	case AVXVNNI:
		p.simd = packDot(w, n, k, avxvnniMR, avxvnniNR, avxvnniSingle, rq)
	case AVX512VNNI:
		p.simd = packDot(w, n, k, vnniMR, vnniNR, vnniSingle, rq)
	case NEON:
		p.simd = packNEON(w, n, k, rq)
	case SDOT:
		p.simd = packSDOT(w, n, k, rq)
	case I8MM:
		p.simd = packI8MM(w, n, k, rq)
	default: // every available path is one of the above
		return nil, pathError(path)
	}
	return p, nil
}

// foldAddend returns bias[c] + (InOffset + extra) * Σ row, wrapping like
// the reference's int32 accumulator: Σ_k (a_k + off) w_k + bias equals
// Σ_k a_k w_k + the addend modulo 2^32.
func foldAddend(row []int8, rq Requant, c int, extra int32) int32 {
	var sum int32
	for _, v := range row {
		sum += int32(v)
	}
	a := (rq.InOffset + extra) * sum
	if rq.Bias != nil {
		a += rq.Bias[c]
	}
	return a
}

// Path returns the path p was packed for.
func (p *PackedInt8) Path() Path { return p.path }

// N returns the number of output channels.
func (p *PackedInt8) N() int { return p.n }

// K returns the depth: the length of an activation row.
func (p *PackedInt8) K() int { return p.k }

// PanelWidth returns the number of channels the path's kernel computes at
// once. Channel ranges whose ends are multiples of it (or N) are written
// without an intermediate copy.
func (p *PackedInt8) PanelWidth() int {
	if p.path == Generic {
		return 1
	}
	return p.simd.nr
}

// requantize returns channel c's output for accumulator acc.
func (p *PackedInt8) requantize(acc int32, c int) int8 {
	r := p.sc[c].apply(acc) + p.outOffset
	return int8(min(max(r, p.qmin), p.qmax))
}
