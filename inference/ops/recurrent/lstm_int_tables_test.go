package recurrent

import (
	"math"
	"testing"

	"github.com/edge-agent/edge-agent/inference/quant"
)

// TestNonlinearityTables compares the tabulated logistic and tanh with
// gemmlowp's arithmetic on every int16 input.
func TestNonlinearityTables(t *testing.T) {
	lt := logisticQ3()
	bad := 0
	for a := math.MinInt16; a <= math.MaxInt16; a++ {
		if got, want := lt.logistic(int16(a)), quant.Logistic(int16(a), 3); got != want && bad < 5 {
			t.Errorf("logistic(%d) = %d, want %d", a, got, want)
			bad++
		}
	}
	for bits := range tanhTables {
		tt := tanhTables[bits]()
		for a := math.MinInt16; a <= math.MaxInt16; a++ {
			if got, want := tt.tanh(int16(a)), quant.Tanh(int16(a), bits); got != want && bad < 5 {
				t.Errorf("tanh(%d) with %d integer bits = %d, want %d", a, bits, got, want)
				bad++
			}
		}
	}
	if tanhTables[3]() != tanhTables[3]() {
		t.Error("the tanh table is built twice")
	}
}
