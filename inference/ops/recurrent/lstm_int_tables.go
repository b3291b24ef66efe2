package recurrent

import (
	"sync"

	"github.com/edge-agent/edge-agent/inference/quant"
)

// The integer LSTM's gate nonlinearities are gemmlowp's fixed-point
// logistic and tanh of an int16 (quant.Logistic, quant.Tanh), about fifty
// nanoseconds each. Their results are tabulated here, once per process and
// on first use, for the non-positive inputs: 32769 int16 values (64 KiB)
// per function and number of integer bits, a few milliseconds to compute
// each (an LSTM model needs two or three). Both functions are odd-symmetric
// in gemmlowp's arithmetic, which computes the positive side from the
// negative one: Logistic(a) = 1 - Logistic(-a) (1 being 32767) and
// Tanh(a) = -Tanh(-a) for a > 0. The tests compare every one of the
// 65536 inputs with the arithmetic.

// nlTable holds f(-n) for n = 0..32768.
type nlTable [32769]int16

func newTable(f func(int16) int16) *nlTable {
	var t nlTable
	for n := range t {
		t[n] = f(int16(-n))
	}
	return &t
}

var (
	logisticQ3 = sync.OnceValue(func() *nlTable {
		return newTable(func(a int16) int16 { return quant.Logistic(a, 3) })
	})
	// tanhTables[bits] tabulates Tanh with 0..6 integer bits.
	tanhTables = func() (t [7]func() *nlTable) {
		for bits := range t {
			t[bits] = sync.OnceValue(func() *nlTable {
				return newTable(func(a int16) int16 { return quant.Tanh(a, bits) })
			})
		}
		return t
	}()
)

// logistic returns quant.Logistic(a, 3) from t = logisticQ3().
func (t *nlTable) logistic(a int16) int16 {
	if a > 0 {
		return 32767 - t[a]
	}
	return t[-int32(a)]
}

// tanh returns quant.Tanh(a, bits) from t = tanhTables[bits]().
func (t *nlTable) tanh(a int16) int16 {
	if a > 0 {
		return -t[a]
	}
	return t[-int32(a)]
}
