// Package demo holds edge-agent's self-contained demo: a motion classifier
// model that the project builds itself (nothing is fetched or trained) and a
// simulated 3-axis accelerometer to feed it.
//
// The model classifies a window of WindowLen accelerometer samples (in g) as
// "idle", "walking" or "shaking" from the window's activity: the mean
// absolute change between consecutive samples. Its weights are derived by
// hand, so every number in it can be explained:
//
//	FULLY_CONNECTED + RELU  [1, 96] -> [1, 186]  h = relu(±(x[t+1,a] - x[t,a]))
//	FULLY_CONNECTED         [1, 186] -> [1, 1]   activity = sum(h) / 93
//	FULLY_CONNECTED         [1, 1] -> [1, 3]     logits, linear in activity
//	SOFTMAX                 [1, 3] -> [1, 3]     class probabilities
//
// With logits (-k(a - IdleBelow), 0, k(a - ShakingAbove)) the "walking" logit
// wins between the two thresholds and the others outside them.
package demo

import (
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// Model geometry and decision thresholds.
const (
	WindowLen    = 32    // samples per window
	Axes         = 3     // x, y, z
	IdleBelow    = 0.015 // g per sample of mean absolute change
	ShakingAbove = 0.3
	sharpness    = 150.0
)

// Labels are the model's classes, in output order.
var Labels = []string{"idle", "walking", "shaking"}

// BuildModel writes the demo classifier as a float32 TFLite flatbuffer.
func BuildModel() ([]byte, error) {
	const in = WindowLen * Axes
	const steps = (WindowLen - 1) * Axes
	b := builder.New()
	b.Describe("edge-agent demo motion classifier (idle / walking / shaking)")

	// Layer 1: signed first differences along time, split into positive and
	// negative parts by the fused RELU, so that their sum is |difference|.
	w1 := make([]float32, 2*steps*in)
	for t := 0; t < WindowLen-1; t++ {
		for a := 0; a < Axes; a++ {
			unit := 2 * (t*Axes + a)
			cur, next := t*Axes+a, (t+1)*Axes+a
			w1[unit*in+next], w1[unit*in+cur] = 1, -1
			w1[(unit+1)*in+next], w1[(unit+1)*in+cur] = -1, 1
		}
	}
	// Layer 2: the mean absolute change per sample and axis.
	w2 := make([]float32, 2*steps)
	for i := range w2 {
		w2[i] = 1.0 / steps
	}
	// Layer 3: logits linear in the activity.
	w3 := []float32{-sharpness, 0, sharpness}
	b3 := []float32{sharpness * IdleBelow, 0, -sharpness * ShakingAbove}

	x := b.Tensor("window", tensor.Float32, []int{1, WindowLen, Axes}, nil)
	h := b.Tensor("abs_diff", tensor.Float32, []int{1, 2 * steps}, nil)
	act := b.Tensor("activity", tensor.Float32, []int{1, 1}, nil)
	logits := b.Tensor("logits", tensor.Float32, []int{1, len(Labels)}, nil)
	probs := b.Tensor("probabilities", tensor.Float32, []int{1, len(Labels)}, nil)
	cw1 := b.Const("diff_weights", tensor.Float32, []int{2 * steps, in}, nil, w1)
	cw2 := b.Const("mean_weights", tensor.Float32, []int{1, 2 * steps}, nil, w2)
	cw3 := b.Const("logit_weights", tensor.Float32, []int{len(Labels), 1}, nil, w3)
	cb3 := b.Const("logit_bias", tensor.Float32, []int{len(Labels)}, nil, b3)

	b.Op(builder.FullyConnected, []int{x, cw1, -1}, []int{h}, builder.FullyConnectedOptions{FusedActivationFunction: builder.ActRelu})
	b.Op(builder.FullyConnected, []int{h, cw2, -1}, []int{act}, builder.FullyConnectedOptions{})
	b.Op(builder.FullyConnected, []int{act, cw3, cb3}, []int{logits}, builder.FullyConnectedOptions{})
	b.Op(builder.Softmax, []int{logits}, []int{probs}, builder.SoftmaxOptions{Beta: 1})
	b.Inputs(x)
	b.Outputs(probs)
	return b.Finish()
}
