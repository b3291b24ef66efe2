package gemmargs

import (
	"math"
	"strings"
	"testing"
)

func TestCheckRun(t *testing.T) {
	s := Shape{N: 10, K: 6}
	for _, c := range []struct {
		name                              string
		lenDst, ldd, lenA, lda, m, c0, c1 int
		want                              string // "" for valid
	}{
		{"full", 3 * 10, 10, 3 * 6, 6, 3, 0, 10, ""},
		{"one row, short strides", 10, 0, 6, 0, 1, 0, 10, ""},
		{"last row short", 2*12 + 7, 12, 2*8 + 6, 8, 3, 2, 7, ""},
		{"no rows", 0, 0, 0, 0, 0, 0, 10, ""},
		{"no channels", 0, 0, 0, 0, 5, 4, 4, ""},
		{"negative rows", 30, 10, 18, 6, -1, 0, 10, "p: -1 rows"},
		{"channels reversed", 30, 10, 18, 6, 3, 5, 4, "channels [5, 4) outside [0, 10)"},
		{"channels past N", 30, 10, 18, 6, 3, 0, 11, "outside"},
		{"activation stride", 30, 10, 18, 5, 3, 0, 10, "activation stride 5 below depth 6"},
		{"output stride", 30, 9, 18, 6, 3, 0, 10, "output stride 9 below channel end 10"},
		{"short activations", 30, 10, 17, 6, 3, 0, 10, "17 activations"},
		{"short outputs", 29, 10, 18, 6, 3, 0, 10, "29 outputs"},
		{"huge stride", 30, 10, 18, math.MaxInt / 2, 3, 0, 10, "activations"},
	} {
		err := s.CheckRun("p", c.lenDst, c.ldd, c.lenA, c.lda, c.m, c.c0, c.c1)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: CheckRun = %v, want nil", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: CheckRun = %v, want an error with %q", c.name, err, c.want)
		}
	}
}
