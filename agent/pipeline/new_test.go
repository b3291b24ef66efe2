package pipeline

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// twoInputModel adds two [1,2] inputs.
func twoInputModel(t testing.TB) []byte {
	b := builder.New()
	x := b.Tensor("a", tensor.Float32, []int{1, 2}, nil)
	y := b.Tensor("b", tensor.Float32, []int{1, 2}, nil)
	z := b.Tensor("sum", tensor.Float32, []int{1, 2}, nil)
	b.Op(builder.Add, []int{x, y}, []int{z}, builder.AddOptions{})
	b.Inputs(x, y)
	b.Outputs(z)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestNewRefusesBadOptions(t *testing.T) {
	sink := func(context.Context, wire.Prediction) (uint64, error) { return 0, nil }
	motion := demoModel(t) // [1 32 3] -> [1 3]
	sum4 := newTestModel(t, sumModel(t, []int{1, 4}), nil)
	xyz := []string{"x", "y", "z"}
	ok := func() Options { return Options{Name: "p", Sensor: "s", Channels: xyz, Model: motion, Sink: sink} }
	with := func(f func(o *Options)) Options { o := ok(); f(&o); return o }
	if _, err := New(ok()); err != nil {
		t.Fatalf("the base options fail: %v", err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{with(func(o *Options) { o.Name = "" }), "name is empty"},
		{with(func(o *Options) { o.Model = nil }), "no model"},
		{with(func(o *Options) { o.Sink = nil }), "no sink"},
		{with(func(o *Options) { o.Interval = -time.Second }), "interval -1s is negative"},
		{with(func(o *Options) { o.Queue = -1 }), "queue -1 is negative"},
		{with(func(o *Options) { o.Publish = "sometimes" }), `publish "sometimes" is not one of`},
		{with(func(o *Options) { o.Model = newTestModel(t, twoInputModel(t), nil) }), "model has 2 inputs"},
		{with(func(o *Options) { o.Post.Output = 1 }), "postprocess output 1: the model has 1 outputs"},
		{with(func(o *Options) { o.Post.Kind = "segmentation" }), `kind "segmentation" is not one of`},
		{with(func(o *Options) { o.Post.TopK = -1 }), "top_k -1 is negative"},
		{with(func(o *Options) { o.Post.Threshold = math.NaN() }), "threshold is NaN"},
		{with(func(o *Options) { o.Model = &testModel{it: motion.it, labels: []string{"a", "b", "c", "d"}} }), "4 labels for the 3 scores"},
		{with(func(o *Options) { o.Post.Kind = KindAnomaly }), "anomaly output " + `"probabilities" FLOAT32[1 3] has 3 elements; want 1 (a score) or 96`},
		{with(func(o *Options) { o.Window.Size = 16 }), "does not take a window of 16 samples x 3 channels: want shape [1 16 3], [1 16*3] or [1 16 3 1]"},
		{with(func(o *Options) { o.Window.Stride = -2 }), "stride -2 must not be negative"},
		{with(func(o *Options) { o.Select = []string{"x", "w"} }), `channel "w" is not one of the sensor's channels`},
		{with(func(o *Options) { o.Select = []string{"x", "x", "y"} }), `channel "x" is listed twice`},
		{with(func(o *Options) { o.Select = []string{"x", "y"} }), "window of S samples x 2 channels"},
		{with(func(o *Options) { o.Image.Width = 96 }), "image settings given, but sensor"},
		{with(func(o *Options) { o.Normalize.Std = []float64{1, 0, 1} }), "std 0 for channel 1"},
		{with(func(o *Options) { o.Quality.StuckSamples = 1 }), "stuck_samples 1"},
		{with(func(o *Options) { o.Channels = []string{"t"}; o.Model = sum4; o.Window.Size = 3 }), "window of 3 samples x 1 channels"},
		{with(func(o *Options) { o.Channels = nil; o.Image.Color = ColorGray }), "is not an image"},
	} {
		_, err := New(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: %v, want an error containing %q", err, tc.want)
			continue
		}
		if tc.o.Name != "" && !strings.HasPrefix(err.Error(), `pipeline "p": `) {
			t.Errorf("error %q does not name the pipeline", err)
		}
	}
}
