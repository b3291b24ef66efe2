package gemm

import (
	"bytes"
	"encoding/binary"
	"testing"
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

// FuzzGemm drives shapes, strides, channel ranges, offsets, multipliers,
// shifts, bias, output range, weights and activations from the input.
// Invalid requantizations must be rejected with an error; valid ones must
// give the naive loop's bytes on every path, and write nothing else.
func FuzzGemm(f *testing.F) {
	f.Add([]byte{3, 40, 9, 1, 2, 0, 40, 128, 0, 0, 0x80, 0x7f, 0xff, 0xff, 0xff, 0x7f, 200, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{11, 70, 33, 0, 0, 5, 64, 1, 255, 127, 0, 1, 0, 0, 0, 0x40, 31, 0x81, 0x80, 0x7f})
	f.Add(bytes.Repeat([]byte{0x80}, 300))
	f.Add(bytes.Repeat([]byte{0x7f, 0x81, 0x13}, 200))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &byteReader{b: data}
		p := &problem{m: 1 + int(r.u8())%20, n: 1 + int(r.u8())%80, k: 1 + int(r.u8())%64}
		p.lda = p.k + int(r.u8())%4
		p.ldd = p.n + int(r.u8())%4
		p.c0 = int(r.u8()) % (p.n + 1)
		p.c1 = p.c0 + int(r.u8())%(p.n-p.c0+1)
		rq := Requant{Mult: make([]int32, p.n), Shift: make([]int, p.n)}
		rq.InOffset = int32(int8(r.u8())) + int32(r.u8()%2) // [-128, 128]
		rq.OutOffset = int32(int8(r.u8()))
		rq.QMin, rq.QMax = int32(int8(r.u8())), int32(int8(r.u8()))
		mode := r.u8()
		for c := range p.n {
			if mode&1 == 0 || c == 0 {
				rq.Mult[c] = int32(r.u32())
				rq.Shift[c] = int(int8(r.u8())) % 40
			} else {
				rq.Mult[c], rq.Shift[c] = rq.Mult[c-1]+int32(c), rq.Shift[c-1]
			}
		}
		if mode&2 != 0 {
			rq.Bias = make([]int32, p.n)
			for c := range rq.Bias {
				rq.Bias[c] = int32(r.u32())
			}
		}
		p.rq = rq
		p.w = make([]int8, p.n*p.k)
		for i := range p.w {
			p.w[i] = int8(r.u8())
		}
		p.a = make([]int8, (p.m-1)*p.lda+p.k)
		for i := range p.a {
			p.a[i] = int8(r.u8() ^ byte(i*7))
		}
		valid := rq.check(p.n) == nil
		for _, path := range Paths() {
			_, err := PackInt8With(path, p.w, p.n, p.k, rq)
			if (err == nil) != valid {
				t.Fatalf("%s: pack error %v, check says valid=%v", path, err, valid)
			}
		}
		if valid {
			p.check(t)
		}
	})
}
