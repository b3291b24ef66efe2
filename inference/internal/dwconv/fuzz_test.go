package dwconv

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// byteReader hands out the fuzzer's bytes, then zeros.
type byteReader struct{ b []byte }

func (r *byteReader) u8() byte {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *byteReader) u32() uint32 {
	var b [4]byte
	for i := range b {
		b[i] = r.u8()
	}
	return binary.LittleEndian.Uint32(b[:])
}

// small returns a value in [lo, lo+n), or occasionally an invalid one
// (0 or negative) when the byte says so.
func (r *byteReader) small(lo, n int) int {
	v := r.u8()
	if v == 0xff {
		return -int(r.u8())
	}
	return lo + int(v)%n
}

// FuzzDepthwise drives the geometry, offsets, multipliers, shifts, bias,
// output range, filter and input from the fuzzer's bytes. Invalid
// parameters must be rejected by Pack with an error; valid ones must give
// the naive loops' bytes on every available path, for every row range
// that Run is given.
func FuzzDepthwise(f *testing.F) {
	f.Add([]byte{5, 7, 17, 2, 2, 0, 1, 0, 0, 1, 1, 6, 4, 0x80, 0, 0, 0, 0x7f, 0, 0, 0, 1, 0x81, 0x7f, 9, 200, 3})
	f.Add([]byte{20, 20, 64, 2, 2, 1, 1, 0, 0, 1, 1, 20, 20, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127})
	f.Add([]byte{3, 40, 33, 4, 0, 0, 1, 1, 0, 2, 3, 2, 40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
	f.Add([]byte{0xff, 3, 16, 2, 2})
	f.Add(bytes.Repeat([]byte{0x80}, 400))
	f.Add(bytes.Repeat([]byte{0x7f, 0x81, 0x13, 0x40}, 150))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		var p Params
		p.H, p.W, p.C = r.small(1, 24), r.small(1, 24), r.small(1, 72)
		p.KH, p.KW = r.small(1, 5), r.small(1, 5)
		p.SH, p.SW = r.small(1, 3), r.small(1, 3)
		p.DH, p.DW = r.small(1, 2), r.small(1, 2)
		p.PadTop, p.PadLeft = r.small(0, 5), r.small(0, 5)
		p.OH, p.OW = r.small(1, 26), r.small(1, 26)
		p.InOffset, p.OutOffset = int32(r.u32()), int32(r.u32())
		if r.u8()%2 == 0 { // int8 zero points, as TFLite has them
			p.InOffset, p.OutOffset = int32(int8(p.InOffset))+1, int32(int8(p.OutOffset))
		}
		p.QMin, p.QMax = int32(int8(r.u8())), int32(int8(r.u8()))
		if r.u8()%4 != 0 { // mostly a valid range
			p.QMin, p.QMax = min(p.QMin, p.QMax), max(p.QMin, p.QMax)
		}
		c := max(p.C, 0)
		if c > 0 && r.u8()%2 == 0 {
			p.Bias = make([]int32, c)
		}
		p.Mult, p.Shift = make([]int32, c), make([]int, c)
		for i := range c {
			p.Mult[i] = int32(r.u32() & 0x7fffffff)
			p.Shift[i] = int(int8(r.u8())) % 40
			if p.Bias != nil {
				p.Bias[i] = int32(r.u32())
			}
		}
		filter := make([]int8, max(p.KH, 0)*max(p.KW, 0)*c)
		for i := range filter {
			filter[i] = int8(r.u8())
		}
		pr := &problem{p: p, filter: filter, batches: 1}
		valid := p.check() == nil
		for _, path := range gemm.Paths() {
			k, err := Pack(path, filter, p)
			if (err == nil) != valid {
				t.Fatalf("%s: %v: Pack error %v, check %v", path, pr, err, p.check())
			}
			if err != nil {
				return
			}
			if pr.in == nil {
				pr.in = make([]int8, p.H*p.W*p.C)
				for i := range pr.in {
					pr.in[i] = int8(r.u8() ^ byte(i*37))
				}
			}
			want := naive(&p, filter, pr.in, 0)
			got := bytes.Repeat([]byte{byte(sentinel)}, len(want))
			o := int8s(got)
			split := max(1, int(r.u8())%p.OH)
			for oy := 0; oy < p.OH; oy += split {
				if err := k.Run(o, pr.in, 0, oy, min(oy+split, p.OH)); err != nil {
					t.Fatalf("%s: %v: %v", path, pr, err)
				}
			}
			checkSame(t, string(path), pr, o, want)
		}
	})
}
