package qadd

import (
	"encoding/binary"
	"testing"
)

// FuzzQAdd decodes parameters and inputs from the fuzzer's bytes and
// requires every available path to equal Params.Eval element for element
// wherever New accepts the parameters, and New to refuse exactly what
// Validate refuses.
func FuzzQAdd(f *testing.F) {
	f.Add([]byte{0, 20, 128, 0, 5, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0x40, 0, 0, 0, 0x40, 1, 2, 19, 0x80, 0x7f, 1, 2, 3, 250, 7})
	f.Add([]byte{1, 20, 0x80, 0x7f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 31, 31, 31, 0, 0, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f, 0x80, 0x7f})
	f.Add(make([]byte, 80))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b [23]byte
		copy(b[:], data)
		rest := data[min(len(data), len(b)):]
		off := func(v byte) int32 { // -128..127, and 128 and 129 (refused) for two bytes
			switch v {
			case 0x7e:
				return 128
			case 0x7d:
				return 129
			}
			return int32(int8(v))
		}
		p := Params{
			Sub:  b[0]&1 == 1,
			Left: int(b[1]) % 24, // a few beyond 20: refused
			Off1: off(b[2]), Off2: off(b[3]), OffO: off(b[4]),
			M1: int32(binary.LittleEndian.Uint32(b[5:])),
			M2: int32(binary.LittleEndian.Uint32(b[9:])),
			MO: int32(binary.LittleEndian.Uint32(b[13:])),
			R1: int(b[17]) % 34, R2: int(b[18]) % 34, RO: int(b[19]) % 34,
			Lo: int32(int8(b[20])), Hi: int32(int8(b[21])),
		}
		if b[22]&1 == 1 && p.Lo > p.Hi {
			p.Lo, p.Hi = p.Hi, p.Lo
		}
		x := make([]int8, len(rest)/2)
		y := make([]int8, len(rest)/2)
		for i := range x {
			x[i], y[i] = int8(rest[2*i]), int8(rest[2*i+1])
		}
		verr := p.Validate()
		for _, path := range pathsForFuzz() {
			k, err := New(path, p)
			if (err == nil) != (verr == nil) {
				t.Fatalf("New(%s) = %v, Validate = %v", path, err, verr)
			}
			if err != nil {
				continue
			}
			out := make([]int8, len(x))
			k.Run(out, x, y)
			for i := range out {
				if want := p.Eval(x[i], y[i]); out[i] != want {
					t.Fatalf("%s, %+v: x=%d y=%d gives %d, want %d", path, p, x[i], y[i], out[i], want)
				}
			}
		}
	})
}
