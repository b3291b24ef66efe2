package pipeline

import (
	"math"
	"reflect"
	"testing"

	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

func TestClassificationTopK(t *testing.T) {
	out := qtensor(tensor.Float32, 5, 0, 0)
	copy(out.Float32(), []float32{0.1, 0.3, float32(math.NaN()), 0.3, 0.25})
	for _, tc := range []struct {
		post     Post
		labels   []string
		want     []wire.Label
		top1     string
		top1Best float64
	}{
		{Post{Kind: KindClassification}, []string{"a", "b", "c", "d", "e"},
			[]wire.Label{{Label: "b", Score: float64(float32(0.3))}}, "b", float64(float32(0.3))},
		{Post{Kind: KindClassification, TopK: 3}, []string{"a", "b"}, // ties: lower index first; missing labels: class_N
			[]wire.Label{{Label: "b", Score: float64(float32(0.3))}, {Label: "class_3", Score: float64(float32(0.3))}, {Label: "class_4", Score: float64(float32(0.25))}},
			"b", float64(float32(0.3))},
		{Post{Kind: KindClassification, TopK: 9, Threshold: 0.2}, []string{"a", "", "c"},
			[]wire.Label{{Label: "class_1", Score: float64(float32(0.3))}, {Label: "class_3", Score: float64(float32(0.3))}, {Label: "class_4", Score: float64(float32(0.25))}},
			"class_1", float64(float32(0.3))},
		{Post{Kind: KindClassification, Threshold: 0.5}, nil, nil, "", float64(float32(0.3))},
	} {
		pp := newPostprocessor(tc.post, out, tc.labels)
		pp.read(out)
		if got := pp.top(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: top %v, want %v", tc.post, got, tc.want)
		}
		if pp.res.top1 != tc.top1 || pp.res.top1Score != tc.top1Best {
			t.Errorf("%+v: top-1 %q %v, want %q %v", tc.post, pp.res.top1, pp.res.top1Score, tc.top1, tc.top1Best)
		}
		if got, want := string(pp.output()), `[0.1,0.3,null,0.3,0.25]`; got != want {
			t.Errorf("output %s, want %s", got, want)
		}
	}
}

func TestDequantizedOutputs(t *testing.T) {
	out := qtensor(tensor.Int8, 2, 0.00390625, -128) // person_detect's output
	copy(out.Int8(), []int8{-113, 113})
	pp := newPostprocessor(Post{Kind: KindClassification, TopK: 2}, out, []string{"no_person", "person"})
	pp.read(out)
	want := []wire.Label{{Label: "person", Score: 241.0 / 256}, {Label: "no_person", Score: 15.0 / 256}}
	if got := pp.top(); !reflect.DeepEqual(got, want) {
		t.Errorf("top %v, want %v", got, want)
	}
	if got := string(pp.output()); got != `[0.05859375,0.94140625]` {
		t.Errorf("output %s", got)
	}
	reg := newPostprocessor(Post{Kind: KindRegression}, out, nil)
	reg.read(out)
	if reg.top() != nil {
		t.Error("regression has top labels")
	}
}

func TestAnomalyScore(t *testing.T) {
	t.Run("one output is the score", func(t *testing.T) {
		out := qtensor(tensor.Float32, 1, 0, 0)
		out.Float32()[0] = 0.75
		for _, tc := range []struct {
			threshold float64
			want      string
		}{{0.5, `{"score":0.75,"anomaly":true}`}, {0.75, `{"score":0.75,"anomaly":true}`}, {0.8, `{"score":0.75,"anomaly":false}`}} {
			pp := newPostprocessor(Post{Kind: KindAnomaly, Threshold: tc.threshold}, out, nil)
			pp.read(out)
			if got := string(pp.output()); got != tc.want {
				t.Errorf("threshold %v: %s, want %s", tc.threshold, got, tc.want)
			}
		}
	})
	t.Run("a reconstruction is compared with the input", func(t *testing.T) {
		in := qtensor(tensor.Int8, 4, 0.5, 0)
		copy(in.Int8(), []int8{2, 4, 6, 8}) // 1 2 3 4
		out := qtensor(tensor.Float32, 4, 0, 0)
		copy(out.Float32(), []float32{1, 2.5, 2, 4})
		pp := newPostprocessor(Post{Kind: KindAnomaly, Threshold: 0.3}, out, nil)
		pp.mse, pp.input = true, make([]float64, 4)
		pp.readInput(in)
		pp.read(out)
		// (0 + 0.25 + 1 + 0) / 4 = 0.3125
		if pp.res.score != 0.3125 || !pp.res.anomaly {
			t.Errorf("score %v anomaly %v, want 0.3125 true", pp.res.score, pp.res.anomaly)
		}
	})
}
