package pipeline

import (
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// imageInput makes an input tensor of the given shape.
func imageInput(dt tensor.DType, shape []int, scale float32, zp int64) *tensor.Tensor {
	t := &tensor.Tensor{Name: "image", Type: dt, Shape: shape}
	if scale != 0 {
		t.Quant = &tensor.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	}
	t.Data = make([]byte, t.Bytes())
	return t
}

// feedImage runs img through a frame source built for in and returns in.
func feedImage(t *testing.T, in *tensor.Tensor, im Image, norm Normalize, img image.Image) *tensor.Tensor {
	t.Helper()
	f, err := newFrames(&Options{Sensor: "cam", Image: im, Normalize: norm}, in)
	if err != nil {
		t.Fatal(err)
	}
	if f.img == nil {
		t.Fatalf("input %s taken as raw only", in)
	}
	if r := f.take(sensor.Sample{Image: img}); r != "" {
		t.Fatalf("image rejected: %s", r)
	}
	if !f.due(false) {
		t.Fatal("frame not due")
	}
	f.fill(in)
	return in
}

func grayImage(w, h int, pix ...uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	copy(img.Pix, pix)
	return img
}

// Expected values are worked by hand with half-pixel centres.
func TestImageResize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		img    image.Image
		shape  []int
		resize string
		want   []float32
	}{
		// destination x samples source (x + 0.5) * 2/4 - 0.5 = -0.25 (edge), 0.25, 0.75, 1.25 (edge)
		{"bilinear up 2->4", grayImage(2, 1, 0, 100), []int{1, 1, 4, 1}, ResizeBilinear, []float32{0, 25, 75, 100}},
		// (0 + 0.5) * 2 - 0.5 = 0.5 in both directions: the mean of the four
		{"bilinear down 2x2->1x1", grayImage(2, 2, 0, 100, 200, 250), []int{1, 1, 1, 1}, "", []float32{137.5}},
		// floor((x + 0.5) * 2) = 1, 3
		{"nearest down 4->2", grayImage(4, 1, 10, 20, 30, 40), []int{1, 1, 2, 1}, ResizeNearest, []float32{20, 40}},
		// floor((x + 0.5) / 2) = 0, 0, 1, 1
		{"nearest up 2->4", grayImage(2, 1, 10, 20), []int{1, 1, 4, 1}, ResizeNearest, []float32{10, 10, 20, 20}},
		{"same size is a copy", grayImage(3, 2, 1, 2, 3, 4, 5, 6), []int{1, 2, 3, 1}, ResizeBilinear, []float32{1, 2, 3, 4, 5, 6}},
		// rows: (y + 0.5) * 3/2 - 0.5 = 0.25, 1.75 ; columns as in the copy
		{"bilinear rows 3->2", grayImage(1, 3, 0, 40, 80), []int{1, 2, 1, 1}, ResizeBilinear, []float32{10, 70}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := feedImage(t, imageInput(tensor.Float32, tc.shape, 0, 0), Image{Resize: tc.resize}, Normalize{}, tc.img)
			if got := in.Float32(); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestImageLayoutAndColor(t *testing.T) {
	rgb := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgb.SetRGBA(0, 0, color.RGBA{1, 2, 3, 255})
	rgb.SetRGBA(1, 0, color.RGBA{4, 5, 6, 255})
	t.Run("nhwc", func(t *testing.T) {
		in := feedImage(t, imageInput(tensor.Float32, []int{1, 1, 2, 3}, 0, 0), Image{}, Normalize{}, rgb)
		if got := in.Float32(); !slices.Equal(got, []float32{1, 2, 3, 4, 5, 6}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("nchw chosen from the shape", func(t *testing.T) {
		in := feedImage(t, imageInput(tensor.Float32, []int{1, 3, 1, 2}, 0, 0), Image{}, Normalize{}, rgb)
		if got := in.Float32(); !slices.Equal(got, []float32{1, 4, 2, 5, 3, 6}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("per-channel normalization", func(t *testing.T) {
		norm := Normalize{Mean: []float64{1, 2, 3}, Std: []float64{1, 3, 0.5}}
		in := feedImage(t, imageInput(tensor.Float32, []int{1, 1, 2, 3}, 0, 0), Image{Color: ColorRGB}, norm, rgb)
		if got := in.Float32(); !slices.Equal(got, []float32{0, 0, 0, 3, 1, 6}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("gray from colour is luma", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(0, 0, 3, 1))
		img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
		img.SetNRGBA(1, 0, color.NRGBA{0, 0, 255, 128})
		img.SetNRGBA(2, 0, color.NRGBA{77, 77, 77, 255})
		in := feedImage(t, imageInput(tensor.Float32, []int{1, 1, 3, 1}, 0, 0), Image{Color: ColorGray}, Normalize{}, img)
		got := in.Float32()
		want := []float32{0.299 * 255, 0.114 * 255, 77}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-4 {
				t.Errorf("pixel %d: %v, want %v", i, got[i], want[i])
			}
		}
		if got[2] != 77 {
			t.Errorf("a grey pixel gives %v, want exactly 77", got[2])
		}
	})
	t.Run("gray into rgb repeats the level", func(t *testing.T) {
		in := feedImage(t, imageInput(tensor.Float32, []int{1, 1, 2, 3}, 0, 0), Image{}, Normalize{}, grayImage(2, 1, 9, 200))
		if got := in.Float32(); !slices.Equal(got, []float32{9, 9, 9, 200, 200, 200}) {
			t.Errorf("got %v", got)
		}
	})
}

func TestImageSourceTypes(t *testing.T) {
	base := grayImage(4, 3, 0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23)
	want := []float32{11, 12, 21, 22}
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Gray{11}, color.Gray{12}, color.Gray{21}, color.Gray{22}})
	copy(pal.Pix, []uint8{0, 1, 2, 3})
	g16 := image.NewGray16(image.Rect(0, 0, 2, 2))
	ycc := image.NewYCbCr(image.Rect(0, 0, 2, 2), image.YCbCrSubsampleRatio444)
	for i, v := range want {
		g16.SetGray16(i%2, i/2, color.Gray16{Y: uint16(v) << 8})
		ycc.Y[i], ycc.Cb[i], ycc.Cr[i] = uint8(v), 128, 128
	}
	for name, img := range map[string]image.Image{
		"gray sub-image":        base.SubImage(image.Rect(1, 1, 3, 3)),
		"paletted":              pal,
		"gray16 (generic path)": g16,
		"ycbcr":                 ycc,
	} {
		t.Run(name, func(t *testing.T) {
			in := feedImage(t, imageInput(tensor.Float32, []int{1, 2, 2, 1}, 0, 0), Image{}, Normalize{}, img)
			if got := in.Float32(); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestImageEncodings(t *testing.T) {
	img := grayImage(4, 1, 0, 127, 128, 255)
	t.Run("stored into int8 reinterprets the bytes", func(t *testing.T) {
		in := feedImage(t, imageInput(tensor.Int8, []int{1, 1, 4, 1}, 0.5, 7), Image{Encoding: EncodingStored}, Normalize{}, img)
		if got := in.Int8(); !slices.Equal(got, []int8{0, 127, -128, -1}) {
			t.Errorf("got %v, want [0 127 -128 -1]", got)
		}
	})
	t.Run("stored into uint8 copies the bytes", func(t *testing.T) {
		in := feedImage(t, imageInput(tensor.Uint8, []int{1, 1, 4, 1}, 0.5, 7), Image{Encoding: EncodingStored}, Normalize{}, img)
		if got := in.Uint8(); !slices.Equal(got, []uint8{0, 127, 128, 255}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("value: normalized then quantized", func(t *testing.T) {
		// (v - 127.5) / 127.5 = -1, -0.00392, 0.00392, 1; divided by the
		// float32 scale 0.0078431377 in float32: -127.49999, -0.5, 0.5,
		// 127.49999; rounded half away from zero: -127, -1, 1, 127; plus
		// the zero point -1: -128, -2, 0, 126.
		in := feedImage(t, imageInput(tensor.Int8, []int{1, 1, 4, 1}, float32(1/127.5), -1), Image{},
			Normalize{Mean: []float64{127.5}, Std: []float64{127.5}}, img)
		if got := in.Int8(); !slices.Equal(got, []int8{-128, -2, 0, 126}) {
			t.Errorf("got %v, want [-128 -2 0 126]", got)
		}
	})
}

// hugeImage claims a size beyond MaxImagePixels without holding pixels.
type hugeImage struct{}

func (hugeImage) ColorModel() color.Model { return color.GrayModel }
func (hugeImage) Bounds() image.Rectangle { return image.Rect(0, 0, 1<<16, 1<<16) }
func (hugeImage) At(x, y int) color.Color { return color.Gray{} }

func TestFrameRejections(t *testing.T) {
	in := imageInput(tensor.Float32, []int{1, 2, 2, 1}, 0, 0)
	f, err := newFrames(&Options{Sensor: "cam"}, in)
	if err != nil {
		t.Fatal(err)
	}
	nan := make([]byte, 16)
	nan[3] = 0x7f
	nan[2] = 0xc0 // little-endian 0x7fc00000: NaN
	inf := make([]byte, 16)
	inf[7], inf[6] = 0x7f, 0x80 // element 1: +Inf
	for _, tc := range []struct {
		s    sensor.Sample
		want string
	}{
		{sensor.Sample{}, ReasonNoChannels},
		{sensor.Sample{Values: []float32{1}}, ReasonBadShape},
		{sensor.Sample{Image: image.NewGray(image.Rect(0, 0, 0, 5))}, ReasonBadShape},
		{sensor.Sample{Image: hugeImage{}}, ReasonBadShape},
		{sensor.Sample{Raw: make([]byte, 15)}, ReasonBadShape},
		{sensor.Sample{Raw: nan}, ReasonNaN},
		{sensor.Sample{Raw: inf}, ReasonInf},
		{sensor.Sample{Raw: make([]byte, 16)}, ""},
		{sensor.Sample{Image: grayImage(1, 1, 5)}, ""},
	} {
		if got := f.take(tc.s); got != tc.want {
			t.Errorf("take(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
	raw, err := newFrames(&Options{Sensor: "raw"}, imageInput(tensor.Int8, []int{1, 10}, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.take(sensor.Sample{Image: grayImage(1, 1, 5)}); got != ReasonBadShape {
		t.Errorf("an image for a raw input: %q, want bad_shape", got)
	}
}

func TestImageSettingsAreCheckedAgainstTheInput(t *testing.T) {
	f32 := func(shape ...int) *tensor.Tensor { return imageInput(tensor.Float32, shape, 0, 0) }
	for _, tc := range []struct {
		in   *tensor.Tensor
		o    Options
		want string
	}{
		{f32(1, 10), Options{Image: Image{Color: ColorGray}}, "is not an image"},
		{f32(1, 96, 96, 2), Options{Image: Image{Layout: LayoutNHWC}}, "has 2 colour channels"},
		{f32(1, 96, 96, 1), Options{Image: Image{Width: 128}}, "width 128 differs from the model input's 96"},
		{f32(1, 96, 64, 1), Options{Image: Image{Height: 64}}, "height 64 differs from the model input's 96"},
		{f32(1, 96, 96, 1), Options{Image: Image{Color: ColorRGB}}, `color "rgb" needs 3 channels`},
		{f32(1, 96, 96, 1), Options{Image: Image{Color: "cmyk"}}, `color "cmyk" is not`},
		{f32(1, 96, 96, 1), Options{Image: Image{Layout: "hwc"}}, `layout "hwc" is not`},
		{f32(1, 96, 96, 1), Options{Image: Image{Resize: "cubic"}}, `resize "cubic" is not`},
		{f32(1, 96, 96, 1), Options{Image: Image{Encoding: EncodingStored}}, "needs an int8 or uint8 model input"},
		{f32(1, 96, 96, 1), Options{Image: Image{Encoding: "jpeg"}}, `encoding "jpeg" is not`},
		{imageInput(tensor.Int8, []int{1, 2, 2, 1}, 1, 0), Options{Image: Image{Encoding: EncodingStored}, Normalize: Normalize{Mean: []float64{1}}}, "normalize cannot apply"},
		{f32(1, 2, 2, 1), Options{Normalize: Normalize{Std: []float64{1e-300}}}, "normalizes to +Inf"},
		{f32(1, 2, 2, 3), Options{Normalize: Normalize{Std: []float64{1, 2}}}, "2 std values for 3 channels"},
		{f32(1, 10), Options{Normalize: Normalize{Mean: []float64{1}}}, "takes raw tensors"},
		{f32(1, 2, 2, 1), Options{Window: Window{Size: 4}}, "window settings need a sensor with channels"},
		{f32(1, 2, 2, 1), Options{Select: []string{"x"}}, "needs a sensor with channels"},
		{f32(1, 2, 2, 1), Options{Quality: Quality{StuckSamples: 3}}, "apply to sensors with channels"},
		{imageInput(tensor.Int32, []int{1, 2, 2, 1}, 0, 0), Options{Image: Image{Color: ColorGray}}, "type INT32 is not one a pipeline fills"},
	} {
		tc.o.Sensor = "cam"
		_, err := newFrames(&tc.o, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %+v: %v, want an error containing %q", tc.in, tc.o, err, tc.want)
		}
	}
}
