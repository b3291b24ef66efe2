package conv

// Dot products of the CONV_2D kernels.
//
// The int8 kernels multiply two pixels by the same filter at once: a pixel
// pair (a, b) is packed as the int64 a + b<<32, and packed*f = a*f + (b*f)<<32
// exactly. Summed over a patch of K taps the low half holds sum(a*f) and the
// high half sum(b*f), provided sum(a*f) fits in an int32. With |a*f| <= 2^14
// that holds for K <= maxPackedDepth; deeper filters use the plain int32 path.

// maxPackedDepth is the longest patch whose int8 sums unpack exactly.
const maxPackedDepth = 1 << 16

// packPair stores a[k] + b[k]<<32 in dst[k]; b may be nil (a lone pixel).
func packPair(dst []int64, a, b []int8) {
	dst = dst[:len(a)]
	if b == nil {
		for k, v := range a {
			dst[k] = int64(v)
		}
		return
	}
	b = b[:len(a)]
	for k, v := range a {
		dst[k] = int64(v) + int64(b[k])<<32
	}
}

// unpack splits a packed sum into the sums of its low and high pixels.
func unpack(s int64) (lo, hi int32) {
	lo = int32(s)
	return lo, int32((s - int64(lo)) >> 32)
}

// dot2x4 returns the packed sums of two pixel pairs (x, y) with four filter rows.
func dot2x4(x, y []int64, w0, w1, w2, w3 []int8) (x0, x1, x2, x3, y0, y1, y2, y3 int64) {
	n := len(x)
	y = y[:n]
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for k := 0; k < n; k++ {
		a, b := x[k], y[k]
		f0, f1, f2, f3 := int64(w0[k]), int64(w1[k]), int64(w2[k]), int64(w3[k])
		x0 += a * f0
		x1 += a * f1
		x2 += a * f2
		x3 += a * f3
		y0 += b * f0
		y1 += b * f1
		y2 += b * f2
		y3 += b * f3
	}
	return
}

// dot1x4 returns the packed sums of one pixel pair with four filter rows.
func dot1x4(x []int64, w0, w1, w2, w3 []int8) (s0, s1, s2, s3 int64) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for k := 0; k < n; k++ {
		a := x[k]
		s0 += a * int64(w0[k])
		s1 += a * int64(w1[k])
		s2 += a * int64(w2[k])
		s3 += a * int64(w3[k])
	}
	return
}

// dot1x1 returns the packed sum of one pixel pair with one filter row.
func dot1x1(x []int64, w []int8) (s int64) {
	w = w[:len(x)]
	for k, a := range x {
		s += a * int64(w[k])
	}
	return
}

// dotInt8 returns sum(x*w) with int32 wrap-around, for patches too deep to pack.
func dotInt8(x, w []int8) (s int32) {
	w = w[:len(x)]
	for k, a := range x {
		s += int32(a) * int32(w[k])
	}
	return
}

// dotInt16x4 returns sum(x*w) for four filter rows; each product fits in an
// int32, the sums are kept in int64 as the 16x8 reference does.
func dotInt16x4(x []int16, w0, w1, w2, w3 []int8) (s0, s1, s2, s3 int64) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for k := 0; k < n; k++ {
		a := int32(x[k])
		s0 += int64(a * int32(w0[k]))
		s1 += int64(a * int32(w1[k]))
		s2 += int64(a * int32(w2[k]))
		s3 += int64(a * int32(w3[k]))
	}
	return
}

// dotInt16 returns sum(x*w) for one filter row.
func dotInt16(x []int16, w []int8) (s int64) {
	w = w[:len(x)]
	for k, a := range x {
		s += int64(int32(a) * int32(w[k]))
	}
	return
}
