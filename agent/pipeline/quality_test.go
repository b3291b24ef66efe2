package pipeline

import (
	"math"
	"strings"
	"testing"
)

func ptr(v float64) *float64 { return &v }

func TestQualityReasons(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, tc := range []struct {
		name    string
		q       Quality
		samples [][]float32
		want    []string
	}{
		{"finite values pass without bounds", Quality{}, [][]float32{{1, 2}, {-1e30, 1e30}}, []string{"", ""}},
		{"nan and inf", Quality{}, [][]float32{{nan, 1}, {1, inf}, {float32(math.Inf(-1)), 2}}, []string{"nan", "inf", "inf"}},
		{"nan wins over inf on a later channel", Quality{}, [][]float32{{inf, nan}}, []string{"nan"}},
		{"bounds are inclusive", Quality{Min: ptr(-1), Max: ptr(1)}, [][]float32{{-1, 1}, {-1.5, 0}, {0, 1.0001}}, []string{"", "out_of_range", "out_of_range"}},
		{"inf wins over out of range", Quality{Max: ptr(1)}, [][]float32{{5, inf}}, []string{"inf"}},
		{"min only", Quality{Min: ptr(0)}, [][]float32{{0, 1e9}, {-0.001, 0}}, []string{"", "out_of_range"}},
		{
			"stuck after three identical values until the value changes",
			Quality{StuckSamples: 3},
			[][]float32{{5, 1}, {5, 2}, {5, 3}, {5, 4}, {6, 5}, {6, 6}, {6, 7}},
			[]string{"", "", "stuck", "stuck", "", "", "stuck"},
		},
		{
			"stuck is per channel",
			Quality{StuckSamples: 2},
			[][]float32{{1, 9}, {2, 9}, {3, 8}, {3, 7}},
			[]string{"", "stuck", "", "stuck"},
		},
		{
			"rejected samples count towards the run",
			Quality{StuckSamples: 3, Max: ptr(10)},
			[][]float32{{20}, {20}, {20}, {1}},
			[]string{"out_of_range", "out_of_range", "out_of_range", ""},
		},
		{
			"nan never repeats",
			Quality{StuckSamples: 2},
			[][]float32{{nan}, {nan}, {1}},
			[]string{"nan", "nan", ""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := newQuality(tc.q, len(tc.samples[0]))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.samples {
				if got := q.check(s); got != tc.want[i] {
					t.Errorf("sample %d %v: reason %q, want %q", i, s, got, tc.want[i])
				}
			}
		})
	}
}

func TestQualityRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		q    Quality
		want string
	}{
		{Quality{Min: ptr(2), Max: ptr(1)}, "min 2 is above max 1"},
		{Quality{Min: ptr(math.NaN())}, "min is NaN"},
		{Quality{Max: ptr(math.NaN())}, "max is NaN"},
		{Quality{StuckSamples: 1}, "stuck_samples 1"},
		{Quality{StuckSamples: -3}, "stuck_samples -3"},
	} {
		_, err := newQuality(tc.q, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("newQuality(%+v) = %v, want an error containing %q", tc.q, err, tc.want)
		}
	}
}
