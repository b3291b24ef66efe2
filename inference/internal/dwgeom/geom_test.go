package dwgeom

import (
	"math"
	"strings"
	"testing"
)

func valid() Geom {
	return Geom{H: 5, W: 7, C: 3, KH: 3, KW: 3, SH: 1, SW: 2, DH: 1, DW: 1, PadTop: 1, PadLeft: 1, OH: 5, OW: 4}
}

func TestCheck(t *testing.T) {
	g := valid()
	if err := g.Check(math.MaxInt32); err != nil {
		t.Fatalf("valid geometry: %v", err)
	}
	for _, c := range []struct {
		name  string
		edit  func(*Geom)
		limit int
		want  string
	}{
		{"zero C", func(g *Geom) { g.C = 0 }, math.MaxInt32, "C = 0"},
		{"negative stride", func(g *Geom) { g.SW = -1 }, math.MaxInt32, "SW = -1"},
		{"zero OW", func(g *Geom) { g.OW = 0 }, math.MaxInt32, "OW = 0"},
		{"negative padding", func(g *Geom) { g.PadLeft = -1 }, math.MaxInt32, "padding 1, -1"},
		{"window past 2^29", func(g *Geom) { g.OW, g.SW = 1<<20, 1<<10 }, math.MaxInt32 / 4, "exceed 2^29"},
		{"window past 2^31", func(g *Geom) { g.OH, g.SH = 1<<20, 1<<12 }, math.MaxInt32, "exceed 2^31"},
		{"input too large", func(g *Geom) { g.H, g.W, g.C = 1<<14, 1<<14, 16 }, math.MaxInt32 / 4, "input of"},
		{"filter too large", func(g *Geom) { g.KH, g.KW, g.C, g.H, g.W = 1<<10, 1<<10, 1<<10, 1<<10, 1<<10 }, math.MaxInt32 / 4, "too large"},
	} {
		g := valid()
		c.edit(&g)
		err := g.Check(c.limit)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check = %v, want an error with %q", c.name, err, c.want)
		}
	}
}

func TestSizes(t *testing.T) {
	g := valid()
	if g.InSize() != 5*7*3 || g.OutSize() != 5*4*3 {
		t.Fatalf("InSize, OutSize = %d, %d; want %d, %d", g.InSize(), g.OutSize(), 5*7*3, 5*4*3)
	}
}

func TestCheckRun(t *testing.T) {
	g := valid()
	in, out := g.InSize(), g.OutSize()
	for _, c := range []struct {
		name                   string
		nOut, nIn, n, oy0, oy1 int
		want                   string // "" for valid
	}{
		{"all rows", out, in, 0, 0, 5, ""},
		{"second batch", 2 * out, 2 * in, 1, 2, 3, ""},
		{"empty at end", out, in, 0, 5, 5, ""},
		{"negative batch", out, in, -1, 0, 1, "x: batch -1"},
		{"reversed", out, in, 0, 3, 2, "rows [3, 2) outside [0, 5)"},
		{"past end", out, in, 0, 0, 6, "rows"},
		{"negative row", out, in, 0, -1, 1, "rows"},
		{"short input", out, in - 1, 0, 0, 1, "input values"},
		{"input for batch 1", 2 * out, in, 1, 0, 1, "input values"},
		{"short output", out - 1, in, 0, 0, 1, "output values"},
	} {
		err := g.CheckRun("x", c.nOut, c.nIn, c.n, c.oy0, c.oy1)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: CheckRun = %v, want nil", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: CheckRun = %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// TestTapRange compares TapRange with counting the in-bounds taps one by
// one.
func TestTapRange(t *testing.T) {
	for n := 1; n <= 6; n++ {
		for d := 1; d <= 3; d++ {
			for size := 1; size <= 4; size++ {
				for i0 := -8; i0 <= 8; i0++ {
					t0, t1 := TapRange(i0, d, size, n)
					w0, w1 := 0, 0
					found := false
					for k := range size {
						if i := i0 + k*d; i >= 0 && i < n {
							if !found {
								w0, found = k, true
							}
							w1 = k + 1
						}
					}
					if t0 != w0 || t1 != w1 {
						t.Fatalf("TapRange(%d, %d, %d, %d) = %d, %d; want %d, %d", i0, d, size, n, t0, t1, w0, w1)
					}
				}
			}
		}
	}
}
