// Package fptest holds what the tests of the float32 kernels (fgemm, fdw,
// felem) share: IEEE edge values, fused-activation clamp bounds, Go's
// exact max and min written out from the spec, random and fuzzer-driven
// inputs, and bit-for-bit comparison. It is for tests only; no production
// code imports it.
package fptest

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// specials are the values that test the edges of IEEE arithmetic: signed
// zeros, subnormals, infinities, NaNs with several payloads and signs
// (quiet and signalling), the largest finite values (sums and products
// overflow) and tiny normals (products underflow). Their order is part of
// recorded digests (fgemm): append only.
var specials = [...]float32{
	0, NegZero(), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	math.Float32frombits(0x007FFFFF), math.Float32frombits(0x807FFFFF), // largest subnormals
	math.Float32frombits(0x00800000), -math.Float32frombits(0x00800000), // smallest normals
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7FC00000), math.Float32frombits(0xFFC00000),
	math.Float32frombits(0x7FC12345), math.Float32frombits(0xFF812345), // quiet NaNs with payloads
	math.Float32frombits(0x7F800001), math.Float32frombits(0xFFA00000), // signalling NaNs
	math.MaxFloat32, -math.MaxFloat32, 3e38, -2e38, 1e20, -1e20,
	1e-20, -1e-20, 1e-30, -1e-30,
	1, -1, 0.5, 6, -6,
}

// Specials returns a fresh copy of the IEEE edge values.
func Specials() []float32 { s := specials; return s[:] }

// clampBounds are the bounds operators use (no activation is
// ±MaxFloat32, none at all ±Inf, RELU [0, MaxFloat32], RELU6 [0, 6],
// RELU_N1_TO_1 [-1, 1]) and signed zeros, which only Go's exact min and
// max tell apart. Their order is part of recorded digests (fgemm).
var clampBounds = [...][2]float32{
	{float32(math.Inf(-1)), float32(math.Inf(1))},
	{-math.MaxFloat32, math.MaxFloat32},
	{0, math.MaxFloat32},
	{0, 6},
	{-1, 1},
	{NegZero(), 0},
	{0, 0},
	{NegZero(), NegZero()},
	{0, NegZero()}, // 0 <= -0: allowed, every output a zero
	{NegZero(), float32(math.Inf(1))},
	{float32(math.Inf(-1)), NegZero()},
	{float32(math.Inf(-1)), 0},
	{-0.25, 0.75},
	{float32(math.Inf(1)), float32(math.Inf(1))},
}

// ClampBounds returns a fresh copy of the valid clamp bounds [lo, hi].
func ClampBounds() [][2]float32 { b := clampBounds; return b[:] }

// NegZero returns -0.
func NegZero() float32 { return math.Float32frombits(0x80000000) }

// GoMax is Go's builtin max for non-NaN operands, written out from the
// spec: the larger value, and for equal values the AND of the bits, so
// that max(-0, +0) is +0.
func GoMax(x, y float32) float32 {
	switch {
	case x > y:
		return x
	case y > x:
		return y
	}
	return math.Float32frombits(math.Float32bits(x) & math.Float32bits(y))
}

// GoMin is Go's builtin min for non-NaN operands: the smaller value, and
// for equal values the OR of the bits, so that min(-0, +0) is -0.
func GoMin(x, y float32) float32 {
	switch {
	case x < y:
		return x
	case y < x:
		return y
	}
	return math.Float32frombits(math.Float32bits(x) | math.Float32bits(y))
}

// RandFloats draws n values: ordinary ones of varied magnitude (some
// small integers, whose sums cancel exactly to zero), and with
// probability special one of the specials. It is RandFloatsSpread with
// scales 2^-60..2^59, integers -4..4 and one value in 8 of each kind.
func RandFloats(rng *rand.Rand, n int, special float64) []float32 {
	return RandFloatsSpread(rng, n, special, 60, 4, 8)
}

// RandFloatsSpread draws n values: with probability special one of the
// specials; otherwise a normal deviate, one in oneIn of them scaled by
// 2^e for e in [-exp, exp), one in oneIn an integer in [-ints, ints].
func RandFloatsSpread(rng *rand.Rand, n int, special float64, exp, ints, oneIn int) []float32 {
	s := make([]float32, n)
	for i := range s {
		if rng.Float64() < special {
			s[i] = specials[rng.IntN(len(specials))]
			continue
		}
		v := float32(rng.NormFloat64())
		switch rng.IntN(oneIn) {
		case 0:
			v *= float32(math.Exp2(float64(rng.IntN(2*exp) - exp)))
		case 1:
			v = float32(rng.IntN(2*ints+1) - ints)
		}
		s[i] = v
	}
	return s
}

// FirstDiff returns the index of the first position where the bits of
// got and want differ (or where one of them ends), or -1 when they are
// the same bits.
func FirstDiff(got, want []float32) int {
	for i := range min(len(got), len(want)) {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	if len(got) != len(want) {
		return min(len(got), len(want))
	}
	return -1
}

// Mismatch describes two values whose bits differ.
func Mismatch(got, want float32) string {
	return fmt.Sprintf("got %v (%#08x), want %v (%#08x)", got, math.Float32bits(got), want, math.Float32bits(want))
}

// ByteReader hands out a fuzzer's bytes, then zeros.
type ByteReader struct{ b []byte }

// NewByteReader returns a reader of b.
func NewByteReader(b []byte) *ByteReader { return &ByteReader{b: b} }

// U8 returns the next byte, or 0 past the end.
func (r *ByteReader) U8() byte {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Small returns a value in [lo, lo+n), or an invalid one (0 or negative)
// when the byte is 0xff.
func (r *ByteReader) Small(lo, n int) int {
	v := r.U8()
	if v == 0xff {
		return -int(r.U8())
	}
	return lo + int(v)%n
}

// F32 reads a float: a special value, a small integer, or any 32 bits
// (every NaN payload included), as the selector byte says.
func (r *ByteReader) F32() float32 {
	switch sel := r.U8(); {
	case sel < 64:
		return specials[int(sel)%len(specials)]
	case sel < 128:
		return float32(int8(r.U8())) / 8
	default:
		var b [4]byte
		for i := range b {
			b[i] = r.U8()
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
	}
}
