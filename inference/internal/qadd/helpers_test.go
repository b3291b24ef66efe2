package qadd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/quant"
)

// fromScales derives int8 ADD/SUB parameters from scales and zero points as
// the arith package's Prepare does (TFLite's PrepareGeneralSubOp and
// CalculateOpDataAdd, in float64), or reports false when a multiplier is
// outside (0, 1).
func fromScales(s1 float32, z1 int32, s2 float32, z2 int32, so float32, zo int32, lo, hi int32, sub bool) (Params, bool) {
	p := Params{Sub: sub, Left: 20, Off1: -z1, Off2: -z2, OffO: zo, Lo: lo, Hi: hi}
	twice := 2 * float64(max(s1, s2))
	rs := []float64{float64(s1) / twice, float64(s2) / twice, twice / (float64(int32(1)<<p.Left) * float64(so))}
	ms := []*int32{&p.M1, &p.M2, &p.MO}
	shifts := []*int{&p.R1, &p.R2, &p.RO}
	for i, r := range rs {
		if !(r > 0 && r < 1) {
			return p, false
		}
		m, e := quant.QuantizeMultiplier(r) // 0, 0 below 2^-32, as in arith
		if e > 0 {
			return p, false
		}
		*ms[i], *shifts[i] = m, -e
	}
	return p, true
}

// activation returns the clamp bounds of a random fused activation (none,
// RELU, RELU6, RELU_N1_TO_1) for an int8 output of scale so and zero
// point zo, as TFLite's CalculateActivationRangeQuantized.
func activation(r *rand.Rand, so float32, zo int32) (int32, int32) {
	q := func(v float64) int32 { return zo + int32(math.Round(v/float64(so))) }
	lo, hi := int32(math.MinInt8), int32(math.MaxInt8)
	switch r.IntN(4) {
	case 1:
		lo = max(lo, q(0))
	case 2:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case 3:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	}
	if lo > hi { // an activation range outside the output's: TFLite clamps to it
		lo, hi = hi, lo
	}
	return lo, hi
}

// realistic returns parameters from random scales spanning the realistic
// range (10^-4 to 10, log-uniform, the inputs up to 10^4 apart), zero
// points, activation and operation.
func realistic(r *rand.Rand) Params {
	for {
		scale := func() float32 { return float32(math.Pow(10, -4+5*r.Float64())) }
		zp := func() int32 { return int32(r.IntN(256) - 128) }
		s1, s2, so := scale(), scale(), scale()
		z1, z2, zo := zp(), zp(), zp()
		if r.IntN(8) == 0 {
			z1, z2, zo = 0, 0, 0
		}
		lo, hi := activation(r, so, zo)
		if p, ok := fromScales(s1, z1, s2, z2, so, zo, lo, hi, r.IntN(2) == 1); ok {
			return p
		}
	}
}

// extreme returns parameters drawn from the whole range Validate accepts,
// edges included: any non-negative multiplier, right shifts 0 to 31, left
// shifts 0 to 20, offsets -128 to 128.
func extreme(r *rand.Rand) Params {
	mult := func() int32 {
		switch r.IntN(5) {
		case 4:
			return 0
		case 0:
			return math.MaxInt32
		case 1:
			return 1 << 30
		case 2:
			return r.Int32N(math.MaxInt32) // anywhere from 0
		}
		return 1<<30 + r.Int32N(1<<30) // QuantizeMultiplier's range
	}
	shift := func() int {
		if r.IntN(4) == 0 {
			return []int{0, 1, 30, 31}[r.IntN(4)]
		}
		return r.IntN(32)
	}
	off := func() int32 {
		if r.IntN(4) == 0 {
			return []int32{-128, 128, 0}[r.IntN(3)]
		}
		return int32(r.IntN(257) - 128)
	}
	lo, hi := int32(r.IntN(256)-128), int32(r.IntN(256)-128)
	if lo > hi {
		lo, hi = hi, lo
	}
	left := 20
	if r.IntN(3) == 0 {
		left = r.IntN(21)
	}
	return Params{
		Sub: r.IntN(2) == 1, Left: left,
		Off1: off(), Off2: off(), OffO: off(),
		M1: mult(), M2: mult(), MO: mult(),
		R1: shift(), R2: shift(), RO: shift(),
		Lo: lo, Hi: hi,
	}
}

// kernels returns a Kernel of p for every path available on this CPU.
func kernels(t testing.TB, p Params) []*Kernel {
	t.Helper()
	var ks []*Kernel
	for _, path := range gemm.Paths() {
		k, err := New(path, p)
		if err != nil {
			t.Fatalf("New(%s, %+v): %v", path, p, err)
		}
		ks = append(ks, k)
	}
	return ks
}

// allPairs returns x and y holding every pair of int8 values once.
func allPairs() (x, y []int8) {
	x, y = make([]int8, 1<<16), make([]int8, 1<<16)
	for j := range x {
		x[j], y[j] = int8(j>>8), int8(j)
	}
	return x, y
}

// pathsForFuzz returns the available paths.
func pathsForFuzz() []gemm.Path { return gemm.Paths() }
