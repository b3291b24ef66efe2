package fptest

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestGoMaxMin(t *testing.T) {
	vals := []float32{NegZero(), 0, 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32}
	for _, x := range vals {
		for _, y := range vals {
			if got, want := GoMax(x, y), max(x, y); math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("GoMax(%v, %v) = %#x, want %#x", x, y, math.Float32bits(got), math.Float32bits(want))
			}
			if got, want := GoMin(x, y), min(x, y); math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("GoMin(%v, %v) = %#x, want %#x", x, y, math.Float32bits(got), math.Float32bits(want))
			}
		}
	}
}

func TestCopies(t *testing.T) {
	s := Specials()
	s[0] = 42
	if Specials()[0] != 0 {
		t.Fatal("Specials shares its backing array")
	}
	b := ClampBounds()
	b[0][0] = 42
	for _, b := range ClampBounds() {
		if b[0] != b[0] || b[1] != b[1] || b[0] > b[1] {
			t.Fatalf("invalid clamp bounds %v", b)
		}
	}
	if ClampBounds()[0][0] == 42 {
		t.Fatal("ClampBounds shares its backing array")
	}
}

func TestFirstDiff(t *testing.T) {
	nan := math.Float32frombits(0x7FC00000)
	for _, c := range []struct {
		got, want []float32
		i         int
	}{
		{[]float32{1, 2}, []float32{1, 2}, -1},
		{[]float32{nan}, []float32{nan}, -1},
		{[]float32{1, 0}, []float32{1, NegZero()}, 1},
		{[]float32{nan}, []float32{math.Float32frombits(0x7FC00001)}, 0},
		{[]float32{1}, []float32{1, 2}, 1},
	} {
		if i := FirstDiff(c.got, c.want); i != c.i {
			t.Errorf("FirstDiff(%v, %v) = %d, want %d", c.got, c.want, i, c.i)
		}
	}
	if m := Mismatch(0, NegZero()); !strings.Contains(m, "0x80000000") {
		t.Errorf("Mismatch(0, -0) = %q, want the bits of -0", m)
	}
}

func TestRandFloatsSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := RandFloatsSpread(rng, 5000, 0, 3, 2, 4)
	ints := 0
	for _, x := range v {
		if x != x || math.Abs(float64(x)) > 1e4 {
			t.Fatalf("value %v outside the spread", x)
		}
		if x == float32(int(x)) && math.Abs(float64(x)) <= 2 {
			ints++
		}
	}
	if ints < 5000/8 {
		t.Errorf("%d small integers in 5000, want about 1 in 4", ints)
	}
	s := RandFloats(rng, 2000, 1)
	for _, x := range s {
		found := false
		for _, y := range specials {
			found = found || math.Float32bits(x) == math.Float32bits(y)
		}
		if !found {
			t.Fatalf("special share 1 gave %v, not a special", x)
		}
	}
}

func TestByteReader(t *testing.T) {
	r := NewByteReader([]byte{7, 0xff, 3, 2, 0x40, 0x10, 0x80, 0x00, 0x00, 0xc0, 0x7f})
	if v := r.Small(1, 5); v != 1+7%5 {
		t.Errorf("Small = %d, want 3", v)
	}
	if v := r.Small(1, 5); v != -3 {
		t.Errorf("Small after 0xff = %d, want -3", v)
	}
	if v := r.F32(); math.Float32bits(v) != math.Float32bits(specials[2]) {
		t.Errorf("F32 selector 2 = %v, want specials[2]", v)
	}
	if v := r.F32(); v != 2 {
		t.Errorf("F32 selector 0x40 = %v, want 16/8", v)
	}
	if v := r.F32(); math.Float32bits(v) != 0x7fc00000 {
		t.Errorf("F32 selector 0x80 = %#x, want 0x7fc00000", math.Float32bits(v))
	}
	if r.U8() != 0 || r.F32() != 0 {
		t.Error("an empty reader must read zeros")
	}
}
