package fdw

import "github.com/edge-agent/edge-agent/inference/internal/fgemm"

// genericBlock is the number of channels the generic path accumulates at
// once, in an array on the stack.
const genericBlock = 128

// runGeneric is the portable reference: for each output pixel and block of
// channels, the sums start at +0 and add the rounded product of every
// in-bounds tap, (fy, fx) in order; then the bias is added and the sum
// clamped (fgemm.Clamp). float32(x*w) keeps the compiler from fusing the
// multiply and the add.
func (k *Packed) runGeneric(out, in []float32, n, oy0, oy1 int) {
	p := &k.p
	C := p.C
	var acc [genericBlock]float32
	for oy := oy0; oy < oy1; oy++ {
		iy0 := oy*p.SH - p.PadTop
		fy0, fy1 := tapRange(iy0, p.DH, p.KH, p.H)
		for ox := range p.OW {
			ix0 := ox*p.SW - p.PadLeft
			fx0, fx1 := tapRange(ix0, p.DW, p.KW, p.W)
			o := out[((n*p.OH+oy)*p.OW+ox)*C:][:C]
			for c0 := 0; c0 < C; c0 += genericBlock {
				c1 := min(C, c0+genericBlock)
				a := acc[:c1-c0]
				clear(a)
				for fy := fy0; fy < fy1; fy++ {
					row := ((n*p.H+iy0+fy*p.DH)*p.W + ix0) * C
					for fx := fx0; fx < fx1; fx++ {
						x := in[row+fx*p.DW*C+c0:][:len(a)]
						w := k.w[(fy*p.KW+fx)*C+c0:][:len(a)]
						for c, v := range x {
							a[c] += float32(v * w[c])
						}
					}
				}
				b := k.bias[c0:c1]
				for c, v := range a {
					o[c0+c] = fgemm.Clamp(v+b[c], p.Min, p.Max)
				}
			}
		}
	}
}
