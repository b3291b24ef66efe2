package gemm

// runGeneric is the portable reference: each output is the dot product of
// an activation row and a weight row plus the channel's addend,
// requantized. Pairs of rows and groups of four channels share one pass
// over the data, so each load feeds several multiply-adds.
func (p *PackedInt8) runGeneric(dst []int8, ldd int, a []int8, lda, m, c0, c1 int) {
	k := p.k
	i := 0
	for ; i+2 <= m; i += 2 {
		x, y := a[i*lda:i*lda+k], a[(i+1)*lda:(i+1)*lda+k]
		ox, oy := dst[i*ldd:i*ldd+c1], dst[(i+1)*ldd:(i+1)*ldd+c1]
		c := c0
		for ; c+4 <= c1; c += 4 {
			w := p.w[c*k : (c+4)*k]
			x0, x1, x2, x3, y0, y1, y2, y3 := dot2x4(x, y, w[:k], w[k:2*k], w[2*k:3*k], w[3*k:])
			p.store4(ox, c, x0, x1, x2, x3)
			p.store4(oy, c, y0, y1, y2, y3)
		}
		for ; c < c1; c++ {
			w := p.w[c*k : (c+1)*k]
			ox[c] = p.requantize(dot1(x, w)+p.addend[c], c)
			oy[c] = p.requantize(dot1(y, w)+p.addend[c], c)
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
			out[c] = p.requantize(dot1(x, p.w[c*k:(c+1)*k])+p.addend[c], c)
		}
	}
}

// store4 requantizes the sums of channels c..c+3 into out.
func (p *PackedInt8) store4(out []int8, c int, s0, s1, s2, s3 int32) {
	ad := p.addend[c : c+4 : c+4]
	o := out[c : c+4 : c+4]
	o[0] = p.requantize(s0+ad[0], c)
	o[1] = p.requantize(s1+ad[1], c+1)
	o[2] = p.requantize(s2+ad[2], c+2)
	o[3] = p.requantize(s3+ad[3], c+3)
}

// dot2x4 returns Σ x*w and Σ y*w for four weight rows, wrapping in int32.
func dot2x4(x, y, w0, w1, w2, w3 []int8) (x0, x1, x2, x3, y0, y1, y2, y3 int32) {
	n := len(x)
	y = y[:n]
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for j := range n {
		a, b := int32(x[j]), int32(y[j])
		f0, f1, f2, f3 := int32(w0[j]), int32(w1[j]), int32(w2[j]), int32(w3[j])
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

// dot1x4 returns Σ x*w for four weight rows, wrapping in int32.
func dot1x4(x, w0, w1, w2, w3 []int8) (s0, s1, s2, s3 int32) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	for j, v := range x {
		a := int32(v)
		s0 += a * int32(w0[j])
		s1 += a * int32(w1[j])
		s2 += a * int32(w2[j])
		s3 += a * int32(w3[j])
	}
	return
}

// dot1 returns Σ x*w, wrapping in int32.
func dot1(x, w []int8) (s int32) {
	w = w[:len(x)]
	for j, v := range x {
		s += int32(v) * int32(w[j])
	}
	return
}
