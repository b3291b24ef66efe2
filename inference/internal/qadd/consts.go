package qadd

// lanes is one constant repeated in every 32-bit lane (or, for the
// 64-bit constants, every 64-bit lane) of a 256-bit vector: the avx2
// kernel's memory operands and the neon kernel's loads; the avx512vnni
// kernel broadcasts lane 0.
type lanes [8]int32

// consts are the vector kernels' constants, laid out for the assembly
// (go_asm.h offsets). For each stage (1 and 2: the inputs, o: the output)
// with multiplier m and right shift e, and c = 2^(e-1) (0 when e = 0):
//
//   - amd64 folds the rounding of both steps and the input offset into the
//     64-bit addend r = 2^30 + (c-1)*2^31 + off*2^left*m of the products
//     (see the package comment): the sum's bits 31-62 are then
//     SaturatingRoundingDoublingHighMul((v+off) << left, m) + c - 1, and
//     adding 1 where that is above k (c-2 where e > 0, INT32_MIN where
//     e = 0: always) before shifting right by e rounds as
//     RoundingDivideByPOT.
//   - arm64 takes the sign bit s (0 when e = 0) for CMTST and the negated
//     shift n for SRSHL.
type consts struct {
	left       lanes // left shift of the inputs
	m1, m2, mo lanes // multipliers

	r1, r2, ro lanes // amd64: 64-bit addends
	k1, k2, ko lanes // amd64: fix-up thresholds
	e1, e2, eo lanes // amd64: right shifts

	off1h, off2h lanes // arm64: input offsets in both 16-bit halves of each lane
	s1, s2, so   lanes // arm64: sign bits
	n1, n2, no   lanes // arm64: negated right shifts

	offo, lo, hi    lanes // output offset, clamp bounds (avx512vnni, neon)
	offoh, lob, hib lanes // the same as int16 (offset) and int8 (bounds) lanes (avx2)
	sub             int64 // 1 for SUB
}

// splat returns v in every 32-bit lane.
func splat(v int32) lanes {
	var l lanes
	for i := range l {
		l[i] = v
	}
	return l
}

// splat64 returns v in every 64-bit lane (little-endian halves).
func splat64(v int64) lanes {
	var l lanes
	for i := 0; i < len(l); i += 2 {
		l[i], l[i+1] = int32(uint32(v)), int32(v>>32)
	}
	return l
}

// halves returns v's low 16 bits in both halves of a 32-bit lane.
func halves(v int32) int32 {
	h := uint32(uint16(v))
	return int32(h | h<<16)
}

// bytes4 returns v's low 8 bits in all four bytes of a 32-bit lane.
func bytes4(v int32) int32 { return int32(uint32(uint8(v)) * 0x01010101) }

// newConsts computes the constants of p, which has passed Validate.
func newConsts(p *Params) consts {
	var c consts
	c.left = splat(int32(p.Left))
	c.m1, c.m2, c.mo = splat(p.M1), splat(p.M2), splat(p.MO)
	stage := func(m int32, e int, off int32, r, k, e32, s, n *lanes) {
		var half int32 // c in the comment above
		*k, *s = splat(-1<<31), splat(0)
		if e > 0 {
			half = 1 << (e - 1)
			*k, *s = splat(half-2), splat(-1<<31)
		}
		*r = splat64(1<<30 + (int64(half)-1)<<31 + int64(off)<<p.Left*int64(m))
		*e32, *n = splat(int32(e)), splat(int32(-e))
	}
	stage(p.M1, p.R1, p.Off1, &c.r1, &c.k1, &c.e1, &c.s1, &c.n1)
	stage(p.M2, p.R2, p.Off2, &c.r2, &c.k2, &c.e2, &c.s2, &c.n2)
	stage(p.MO, p.RO, 0, &c.ro, &c.ko, &c.eo, &c.so, &c.no)
	c.off1h, c.off2h = splat(halves(p.Off1)), splat(halves(p.Off2))
	c.offo, c.lo, c.hi = splat(p.OffO), splat(p.Lo), splat(p.Hi)
	c.offoh, c.lob, c.hib = splat(halves(p.OffO)), splat(bytes4(p.Lo)), splat(bytes4(p.Hi))
	if p.Sub {
		c.sub = 1
	}
	return c
}
