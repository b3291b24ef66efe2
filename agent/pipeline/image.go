package pipeline

import (
	"image"
	"math"

	"github.com/edge-agent/edge-agent/inference/tensor"
)

// imageSpec is the model input an image is converted to.
type imageSpec struct {
	w, h, c int  // width, height, colour channels (1 or 3)
	nchw    bool // planar layout; else interleaved (NHWC)
	nearest bool // nearest-neighbour resize; else bilinear
	stored  bool // pixels are the tensor's elements ("stored" encoding)
	signed  bool // stored into int8: a byte is two's complement
}

// tap is where one destination column or row samples its source: between
// source indices i0 and i1, at fraction f from i0.
type tap struct {
	i0, i1 int
	f      float32
}

// imageFiller converts images into one model input. Its buffers are kept
// from frame to frame; the source plane grows to the largest image seen.
type imageFiller struct {
	spec   imageSpec
	norm   normalizer // value encoding only
	q      quantizer  // the input's, or stored() for the stored encoding
	src    []float32  // source levels, row-major, c values per pixel
	sw, sh int        // source size the taps were computed for
	xs, ys []tap
	vals   []float32 // the input's values in tensor order
	pal    [256][3]uint8
}

func newImageFiller(spec imageSpec, norm normalizer, q quantizer) *imageFiller {
	return &imageFiller{
		spec: spec, norm: norm, q: q,
		xs: make([]tap, spec.w), ys: make([]tap, spec.h),
		vals: make([]float32, spec.w*spec.h*spec.c),
	}
}

// imageSize checks that img has pixels and at most MaxImagePixels.
func imageSize(img image.Image) (w, h int, ok bool) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	return w, h, w > 0 && h > 0 && w <= MaxImagePixels/h
}

// fill converts img (checked by imageSize) into t.
func (f *imageFiller) fill(t *tensor.Tensor, img image.Image) {
	f.load(img)
	f.resize()
	f.q.fill(t, 0, f.vals)
}

// load reads img's pixels into the source plane as levels of the spec's
// colour channels.
func (f *imageFiller) load(img image.Image) {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw != f.sw || sh != f.sh {
		f.sw, f.sh = sw, sh
		computeTaps(f.xs, sw, f.spec.nearest)
		computeTaps(f.ys, sh, f.spec.nearest)
	}
	if n := sw * sh * f.spec.c; cap(f.src) < n {
		f.src = make([]float32, n)
	} else {
		f.src = f.src[:n]
	}
	i := 0
	switch m := img.(type) {
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range sw {
				v := row[x]
				f.put(i, v, v, v)
				i++
			}
		}
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range sw {
				f.put(i, row[4*x], row[4*x+1], row[4*x+2])
				i++
			}
		}
	case *image.NRGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range sw {
				f.put(i, row[4*x], row[4*x+1], row[4*x+2])
				i++
			}
		}
	case *image.Paletted:
		f.pal = [256][3]uint8{}
		for k, c := range m.Palette {
			if k < len(f.pal) && c != nil {
				r, g, bl, _ := c.RGBA()
				f.pal[k] = [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
			}
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[m.PixOffset(b.Min.X, y):]
			for x := range sw {
				p := &f.pal[row[x]]
				f.put(i, p[0], p[1], p[2])
				i++
			}
		}
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := m.YCbCrAt(x, y).RGBA()
				f.put(i, uint8(r>>8), uint8(g>>8), uint8(bl>>8))
				i++
			}
		}
	default: // any other image type, through its colour interface
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				f.put(i, uint8(r>>8), uint8(g>>8), uint8(bl>>8))
				i++
			}
		}
	}
}

// put stores pixel i of the source plane.
func (f *imageFiller) put(i int, r, g, b uint8) {
	if f.spec.c == 3 {
		f.src[3*i], f.src[3*i+1], f.src[3*i+2] = f.level(r), f.level(g), f.level(b)
		return
	}
	switch {
	case f.spec.stored || (r == g && g == b):
		f.src[i] = f.level(r)
	default:
		f.src[i] = 0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)
	}
}

// level is the value of one 8-bit channel: the level 0..255, or for the
// stored encoding into int8 the byte as two's complement.
func (f *imageFiller) level(v uint8) float32 {
	if f.spec.signed {
		return float32(int8(v))
	}
	return float32(v)
}

// computeTaps fills taps for resizing n source indices to len(taps), with
// half-pixel centres: destination d samples source (d + 0.5) * n/len - 0.5
// (bilinear, clamped to the edges) or floor((d + 0.5) * n/len) (nearest).
func computeTaps(taps []tap, n int, nearest bool) {
	scale := float64(n) / float64(len(taps))
	for d := range taps {
		if nearest {
			i := min(int(math.Floor((float64(d)+0.5)*scale)), n-1)
			taps[d] = tap{i0: i, i1: i}
			continue
		}
		p := max((float64(d)+0.5)*scale-0.5, 0)
		i0 := min(int(p), n-1)
		i1 := min(i0+1, n-1)
		fr := float32(p - float64(i0))
		if i0 == i1 {
			fr = 0
		}
		taps[d] = tap{i0: i0, i1: i1, f: fr}
	}
}

// resize computes the input's values from the source plane, in the
// spec's layout, normalized for the value encoding.
func (f *imageFiller) resize() {
	s := &f.spec
	C, sw := s.c, f.sw
	plane := s.w * s.h
	for y, ty := range f.ys {
		r0, r1 := ty.i0*sw, ty.i1*sw
		for x, tx := range f.xs {
			for c := range C {
				a := f.src[(r0+tx.i0)*C+c]
				b := f.src[(r0+tx.i1)*C+c]
				d := f.src[(r1+tx.i0)*C+c]
				e := f.src[(r1+tx.i1)*C+c]
				top := a + (b-a)*tx.f
				bot := d + (e-d)*tx.f
				v := top + (bot-top)*ty.f
				if !s.stored {
					v = f.norm.one(v, c)
				}
				if s.nchw {
					f.vals[c*plane+y*s.w+x] = v
				} else {
					f.vals[(y*s.w+x)*C+c] = v
				}
			}
		}
	}
}
