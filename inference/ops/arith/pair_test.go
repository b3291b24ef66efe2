package arith_test

import (
	"fmt"
	"testing"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// TestInt8PairTable checks the pair table large INT8 ADD and SUB use
// against the element-wise arithmetic small ones use, on all 65536 pairs
// of stored inputs: one large model holds every pair (x, y) once, and a
// small model, below the table's threshold, computes the same pairs 256
// at a time. A broadcast case (a row added to every row) is checked the
// same way. Both run on the generic kernel path, the one with tables.
func TestInt8PairTable(t *testing.T) {
	cases := []struct {
		code       builder.Code
		opts       builder.Options
		q1, q2, qo *builder.Quant
	}{
		{builder.Add, builder.AddOptions{}, builder.PerTensor(0.05, -3), builder.PerTensor(0.07, 10), builder.PerTensor(0.1, 5)},
		{builder.Add, builder.AddOptions{FusedActivationFunction: builder.ActRelu6}, builder.PerTensor(0.02, -128), builder.PerTensor(0.5, 127), builder.PerTensor(0.03, -128)},
		{builder.Sub, builder.SubOptions{}, builder.PerTensor(0.1, 0), builder.PerTensor(0.1, 0), builder.PerTensor(0.2, -1)},
		{builder.Sub, builder.SubOptions{FusedActivationFunction: builder.ActRelu}, builder.PerTensor(0.013, 17), builder.PerTensor(0.9, -40), builder.PerTensor(0.25, -100)},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, c.code), func(t *testing.T) {
			x, y := make([]int8, 1<<16), make([]int8, 1<<16)
			for j := range x {
				x[j], y[j] = int8(j>>8), int8(j)
			}
			big := spec{code: c.code, opts: c.opts, dt: tensor.Int8, s1: []int{1, 256, 256}, s2: []int{1, 256, 256}, so: []int{1, 256, 256},
				q1: c.q1, q2: c.q2, qo: c.qo, kernels: "generic"}
			got := run(t, big, x, y).Output(0).Int8()
			small := big
			small.s1, small.s2, small.so = []int{1, 256}, []int{1, 256}, []int{1, 256}
			for row := 0; row < 256; row++ {
				want := run(t, small, x[row*256:(row+1)*256], y[row*256:(row+1)*256]).Output(0).Int8()
				for j := range want {
					if got[row*256+j] != want[j] {
						t.Fatalf("x=%d y=%d: pair table %d, element-wise %d", x[row*256+j], y[row*256+j], got[row*256+j], want[j])
					}
				}
			}
			// Broadcast: in2 is one row of 256 added to each of 256 rows.
			bc := big
			bc.s2 = []int{1, 1, 256}
			got = run(t, bc, x, y[:256]).Output(0).Int8()
			for row := 0; row < 256; row++ {
				want := run(t, small, x[row*256:(row+1)*256], y[:256]).Output(0).Int8()
				for j := range want {
					if got[row*256+j] != want[j] {
						t.Fatalf("broadcast x=%d y=%d: pair table %d, element-wise %d", x[row*256+j], y[j], got[row*256+j], want[j])
					}
				}
			}
		})
	}
}
