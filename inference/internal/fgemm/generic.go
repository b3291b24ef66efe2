package fgemm

// runGeneric is the portable reference: each output is the dot product of
// an activation row and a weight row, summed from zero in index order with
// every product rounded (float32(x*w) keeps the compiler from fusing a
// multiply-add), plus the bias, clamped. Pairs of rows and groups of four
// channels share one pass over the data, so each load feeds several
// products; the order of each output's sum does not change.
func (p *PackedFloat32) runGeneric(dst []float32, ldd int, a []float32, lda, m, c0, c1 int) {
	k := p.k
	i := 0
	for ; i+2 <= m; i += 2 {
		x, y := a[i*lda:i*lda+k], a[(i+1)*lda:(i+1)*lda+k]
		ox, oy := dst[i*ldd:i*ldd+c1], dst[(i+1)*ldd:(i+1)*ldd+c1]
		c := c0
		for ; c+4 <= c1; c += 4 {
			w := p.w[c*k : (c+4)*k]
			x0, x1, x2, x3, y0, y1, y2, y3 := Dot2x4(x, y, w[:k], w[k:2*k], w[2*k:3*k], w[3*k:])
			p.store4(ox, c, x0, x1, x2, x3)
			p.store4(oy, c, y0, y1, y2, y3)
		}
		for ; c < c1; c++ {
			w := p.w[c*k : (c+1)*k]
			ox[c] = Clamp(Dot(x, w)+p.bias[c], p.lo, p.hi)
			oy[c] = Clamp(Dot(y, w)+p.bias[c], p.lo, p.hi)
		}
	}
	if i < m {
		x := a[i*lda : i*lda+k]
		out := dst[i*ldd : i*ldd+c1]
		c := c0
		for ; c+4 <= c1; c += 4 {
			w := p.w[c*k : (c+4)*k]
			s0, s1, s2, s3 := dot1x4(x, w[:k], w[k:2*k], w[2*k:3*k], w[3*k:])
			p.store4(out, c, s0, s1, s2, s3)
		}
		for ; c < c1; c++ {
			out[c] = Clamp(Dot(x, p.w[c*k:(c+1)*k])+p.bias[c], p.lo, p.hi)
		}
	}
}

// store4 finishes the sums of channels c..c+3 into out.
func (p *PackedFloat32) store4(out []float32, c int, s0, s1, s2, s3 float32) {
	b := p.bias[c : c+4 : c+4]
	o := out[c : c+4 : c+4]
	o[0] = Clamp(s0+b[0], p.lo, p.hi)
	o[1] = Clamp(s1+b[1], p.lo, p.hi)
	o[2] = Clamp(s2+b[2], p.lo, p.hi)
	o[3] = Clamp(s3+b[3], p.lo, p.hi)
}

// Dot2x4 returns Σ x*w and Σ y*w for four weight rows w0..w3 of len(x)
// values: each sum starts from zero and adds every product, rounded to
// float32 (no fused multiply-add), in index order. It is the order every
// kernel path of this package keeps; the plain-Go float kernels of
// ops/conv use it too.
func Dot2x4(x, y, w0, w1, w2, w3 []float32) (x0, x1, x2, x3, y0, y1, y2, y3 float32) {
	n := len(x)
	y = y[:n]
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for j := range n {
		a, b := x[j], y[j]
		f0, f1, f2, f3 := w0[j], w1[j], w2[j], w3[j]
		x0 += float32(a * f0)
		x1 += float32(a * f1)
		x2 += float32(a * f2)
		x3 += float32(a * f3)
		y0 += float32(b * f0)
		y1 += float32(b * f1)
		y2 += float32(b * f2)
		y3 += float32(b * f3)
	}
	return
}

// dot1x4 returns Σ x*w for four weight rows, in index order.
func dot1x4(x, w0, w1, w2, w3 []float32) (s0, s1, s2, s3 float32) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for j, v := range x {
		s0 += float32(v * w0[j])
		s1 += float32(v * w1[j])
		s2 += float32(v * w2[j])
		s3 += float32(v * w3[j])
	}
	return
}

// Dot returns Σ x*w over len(x) values, summed from zero in index order
// with every product rounded to float32 (no fused multiply-add): the
// reference order of the float kernels (ops/fc, ops/conv, ops/recurrent).
func Dot(x, w []float32) (s float32) {
	w = w[:len(x)]
	for j, v := range x {
		s += float32(v * w[j])
	}
	return
}
