package quant

import (
	"math"
	"testing"
)

func toF[T Raw](x T, intBits int) float64 {
	return float64(x) / math.Exp2(float64(totalBits[T]()-1-intBits))
}

func fromF[T Raw](f float64, intBits int) T {
	return T(math.Round(f * math.Exp2(float64(totalBits[T]()-1-intBits))))
}

func TestFixedPointFunctionsApproximateFloat(t *testing.T) {
	for _, x := range []float64{-7.9, -3, -1, -0.3, -0.01, 0, 0.01, 0.25, 1, 2.5, 7.9} {
		for _, bits := range []int{3, 4, 5} {
			a32 := fromF[int32](x, bits)
			if got, want := toF(Logistic(a32, bits), 0), 1/(1+math.Exp(-x)); math.Abs(got-want) > 1e-6 {
				t.Errorf("Logistic32(%v, Q%d) = %v, want %v", x, bits, got, want)
			}
			if got, want := toF(Tanh(a32, bits), 0), math.Tanh(x); math.Abs(got-want) > 1e-6 {
				t.Errorf("Tanh32(%v, Q%d) = %v, want %v", x, bits, got, want)
			}
			a16 := fromF[int16](x, bits)
			xq := toF(a16, bits)
			if got, want := toF(Logistic(a16, bits), 0), 1/(1+math.Exp(-xq)); math.Abs(got-want) > 5e-4 {
				t.Errorf("Logistic16(%v, Q%d) = %v, want %v", x, bits, got, want)
			}
			if got, want := toF(Tanh(a16, bits), 0), math.Tanh(xq); math.Abs(got-want) > 5e-4 {
				t.Errorf("Tanh16(%v, Q%d) = %v, want %v", x, bits, got, want)
			}
			if x <= 0 {
				if got, want := toF(ExpOnNegativeValues(a32, bits), 0), math.Exp(x); math.Abs(got-want) > 1e-6 {
					t.Errorf("Exp32(%v, Q%d) = %v, want %v", x, bits, got, want)
				}
			}
		}
	}
}

func TestQuantizeMultiplier(t *testing.T) {
	for _, m := range []float64{0.5, 0.25, 1, 1.5, 0.0001234, 3.9e-10, 123.456} {
		q, shift := QuantizeMultiplier(m)
		got := float64(q) * math.Exp2(float64(shift-31))
		if math.Abs(got-m)/m > 1e-9 && m > 1e-9 {
			t.Errorf("QuantizeMultiplier(%v) = %d, %d: %v", m, q, shift, got)
		}
		if q < 1<<30 && m > 1e-9 {
			t.Errorf("QuantizeMultiplier(%v) significand %d not normalized", m, q)
		}
	}
	if q, s := QuantizeMultiplier(0); q != 0 || s != 0 {
		t.Errorf("QuantizeMultiplier(0) = %d, %d", q, s)
	}
}

func TestRoundingBehaviour(t *testing.T) {
	cases := []struct {
		x    int32
		e    int
		want int32
	}{{5, 1, 3}, {-5, 1, -3}, {4, 1, 2}, {-4, 1, -2}, {6, 2, 2}, {-6, 2, -2}, {-7, 2, -2}, {7, 2, 2}, {math.MaxInt32, 31, 1}, {math.MinInt32, 31, -1}}
	for _, c := range cases {
		if got := RoundingDivideByPOT(c.x, c.e); got != c.want {
			t.Errorf("RoundingDivideByPOT(%d, %d) = %d, want %d", c.x, c.e, got, c.want)
		}
	}
	if got := SaturatingRoundingDoublingHighMul(math.MinInt32, math.MinInt32); got != math.MaxInt32 {
		t.Errorf("SRDHM(min, min) = %d", got)
	}
	if got := SaturatingRoundingDoublingHighMul(1<<30, 1<<30); got != 1<<29 {
		t.Errorf("SRDHM(0.5, 0.5) = %d", got)
	}
	if got := MultiplyByQuantizedMultiplier(1000, 1<<30, 0); got != 500 {
		t.Errorf("MBQM(1000, 0.5) = %d", got)
	}
	if got := MultiplyByQuantizedMultiplier(1000, 1<<30, 2); got != 2000 {
		t.Errorf("MBQM(1000, 0.5, <<2) = %d", got)
	}
	if got := MultiplyByQuantizedMultiplier64(1<<40, 1<<30, -20); got != 1<<19 {
		t.Errorf("MBQM64 = %d", got)
	}
}

func TestCountLeadingSignBits32(t *testing.T) {
	for _, c := range []struct {
		x    int32
		want int
	}{{0, 31}, {-1, 31}, {1, 30}, {-2, 30}, {math.MaxInt32, 0}, {math.MinInt32, 0}, {1 << 20, 10}, {-(1 << 20), 11}, {-(1 << 20) - 1, 10}} {
		if got := CountLeadingSignBits32(c.x); got != c.want {
			t.Errorf("CountLeadingSignBits32(%d) = %d, want %d", c.x, got, c.want)
		}
	}
}
