package pipeline

import (
	"fmt"
	"math"
	"slices"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// describe copies what a pipeline checks of a tensor (not its data).
func describe(t *tensor.Tensor) tensor.Tensor {
	return tensor.Tensor{Index: t.Index, Name: t.Name, Type: t.Type, Shape: slices.Clone(t.Shape), Quant: t.Quant}
}

// sameTensor reports whether t still is the tensor described by d, with
// its data in place.
func sameTensor(t, d *tensor.Tensor) bool {
	return t.Type == d.Type && tensor.SameShape(t.Shape, d.Shape) &&
		t.Scale() == d.Scale() && t.ZeroPoint() == d.ZeroPoint() && len(t.Data) >= t.Bytes()
}

// modelTensors reads the description of the model's only input and of the
// chosen output.
func modelTensors(m Model, output int) (in, out tensor.Tensor, err error) {
	err = m.Run(func(it *inference.Interpreter) error {
		if n := len(it.Inputs()); n != 1 {
			return fmt.Errorf("model has %d inputs; a pipeline feeds models with exactly one", n)
		}
		if output < 0 || output >= len(it.Outputs()) {
			return fmt.Errorf("postprocess output %d: the model has %d outputs", output, len(it.Outputs()))
		}
		in, out = describe(it.Input(0)), describe(it.Output(output))
		return nil
	})
	return in, out, err
}

// selection maps Select to indices of the sensor's channels (all of them
// when Select is empty).
func selection(channels, sel []string) ([]int, error) {
	if len(sel) == 0 {
		idx := make([]int, len(channels))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	idx := make([]int, len(sel))
	for i, name := range sel {
		k := slices.Index(channels, name)
		if k < 0 {
			return nil, fmt.Errorf("select: channel %q is not one of the sensor's channels %q", name, channels)
		}
		if slices.Contains(sel[:i], name) {
			return nil, fmt.Errorf("select: channel %q is listed twice", name)
		}
		idx[i] = k
	}
	return idx, nil
}

// windowSize checks that in takes a window of channels channels and
// returns its size in samples (size, or the one the shape gives when size
// is 0). Accepted shapes: [1, S, C], [1, S*C], [1, S, C, 1].
func windowSize(in *tensor.Tensor, size, channels int) (int, error) {
	s := in.Shape
	fits := false
	switch {
	case len(s) == 3 && s[0] == 1 && s[2] == channels,
		len(s) == 4 && s[0] == 1 && s[2] == channels && s[3] == 1:
		if size == 0 {
			size = s[1]
		}
		fits = s[1] == size
	case len(s) == 2 && s[0] == 1 && s[1] > 0 && s[1]%channels == 0:
		if size == 0 {
			size = s[1] / channels
		}
		fits = s[1] == size*channels
	}
	if !fits || size <= 0 {
		want := "S"
		if size > 0 {
			want = fmt.Sprint(size)
		}
		return 0, fmt.Errorf("model input %s does not take a window of %s samples x %d channels: want shape [1 %s %d], [1 %s*%d] or [1 %s %d 1]",
			in, want, channels, want, channels, want, channels, want, channels)
	}
	return size, nil
}

// imageSpecFor resolves the image settings against the model input: a
// [1, H, W, C] (NHWC) or [1, C, H, W] (NCHW) shape with C = 1 or 3.
func imageSpecFor(in *tensor.Tensor, im Image) (imageSpec, error) {
	s := in.Shape
	if len(s) != 4 || s[0] != 1 {
		return imageSpec{}, fmt.Errorf("model input %s is not an image: want shape [1 H W C] or [1 C H W]", in)
	}
	colorDim := func(c int) bool { return c == 1 || c == 3 }
	layout := im.Layout
	if layout == "" {
		layout = LayoutNHWC
		if !colorDim(s[3]) && colorDim(s[1]) {
			layout = LayoutNCHW
		}
	}
	var spec imageSpec
	switch layout {
	case LayoutNHWC:
		spec.h, spec.w, spec.c = s[1], s[2], s[3]
	case LayoutNCHW:
		spec.c, spec.h, spec.w, spec.nchw = s[1], s[2], s[3], true
	default:
		return imageSpec{}, fmt.Errorf("image: layout %q is not %q or %q", im.Layout, LayoutNHWC, LayoutNCHW)
	}
	if !colorDim(spec.c) || spec.w <= 0 || spec.h <= 0 {
		return imageSpec{}, fmt.Errorf("model input %s read as %s has %d colour channels; want 1 (gray) or 3 (rgb)", in, layout, spec.c)
	}
	if im.Width != 0 && im.Width != spec.w {
		return imageSpec{}, fmt.Errorf("image: width %d differs from the model input's %d (%s)", im.Width, spec.w, in)
	}
	if im.Height != 0 && im.Height != spec.h {
		return imageSpec{}, fmt.Errorf("image: height %d differs from the model input's %d (%s)", im.Height, spec.h, in)
	}
	switch im.Color {
	case "":
	case ColorGray, ColorRGB:
		if want := map[string]int{ColorGray: 1, ColorRGB: 3}[im.Color]; want != spec.c {
			return imageSpec{}, fmt.Errorf("image: color %q needs %d channels but model input %s has %d", im.Color, want, in, spec.c)
		}
	default:
		return imageSpec{}, fmt.Errorf("image: color %q is not %q or %q", im.Color, ColorGray, ColorRGB)
	}
	switch im.Resize {
	case "", ResizeBilinear:
	case ResizeNearest:
		spec.nearest = true
	default:
		return imageSpec{}, fmt.Errorf("image: resize %q is not %q or %q", im.Resize, ResizeBilinear, ResizeNearest)
	}
	switch im.Encoding {
	case "", EncodingValue:
	case EncodingStored:
		if in.Type != tensor.Int8 && in.Type != tensor.Uint8 {
			return imageSpec{}, fmt.Errorf("image: encoding %q needs an int8 or uint8 model input, not %s", EncodingStored, in)
		}
		spec.stored, spec.signed = true, in.Type == tensor.Int8
	default:
		return imageSpec{}, fmt.Errorf("image: encoding %q is not %q or %q", im.Encoding, EncodingValue, EncodingStored)
	}
	return spec, nil
}

// checkPost fills in Post's defaults and checks it against the output
// tensor, the input (for an anomaly reconstruction) and the labels.
func checkPost(p *Post, in, out *tensor.Tensor, labels []string) error {
	if p.Kind == "" {
		p.Kind = KindClassification
	}
	if err := dequantizable(out); err != nil {
		return fmt.Errorf("postprocess output %d: %w", p.Output, err)
	}
	n := out.NumElements()
	if n == 0 {
		return fmt.Errorf("postprocess output %d: tensor %s has no elements", p.Output, out)
	}
	if p.TopK < 0 {
		return fmt.Errorf("postprocess: top_k %d is negative", p.TopK)
	}
	if math.IsNaN(p.Threshold) {
		return fmt.Errorf("postprocess: threshold is NaN")
	}
	switch p.Kind {
	case KindClassification:
		if len(labels) > n {
			return fmt.Errorf("postprocess: the model has %d labels for the %d scores of output %s", len(labels), n, out)
		}
	case KindAnomaly:
		if n != 1 && n != in.NumElements() {
			return fmt.Errorf("postprocess: anomaly output %s has %d elements; want 1 (a score) or %d, as the input %s (a reconstruction)", out, n, in.NumElements(), in)
		}
		if n != 1 {
			if err := dequantizable(in); err != nil {
				return fmt.Errorf("postprocess: anomaly reconstruction: %w", err)
			}
		}
	case KindRegression, KindRaw:
	default:
		return fmt.Errorf("postprocess: kind %q is not one of %q, %q, %q, %q", p.Kind, KindClassification, KindRegression, KindAnomaly, KindRaw)
	}
	return nil
}
