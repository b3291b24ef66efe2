package pipeline

import (
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/tensor"
)

// fuzzReader hands out fuzz bytes; past the end it gives zeros.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *fuzzReader) float() float32 {
	var v [4]byte
	for i := range v {
		v[i] = r.byte()
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(v[:]))
}

// fuzzWriter builds seed inputs in fuzzReader's format.
type fuzzWriter struct{ b []byte }

func (w *fuzzWriter) bytes(v ...byte) *fuzzWriter { w.b = append(w.b, v...); return w }
func (w *fuzzWriter) floats(v ...float32) *fuzzWriter {
	for _, f := range v {
		w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(f))
	}
	return w
}

// Preprocess settings flags (the fourth byte).
const (
	fzPerChannel = 1 << iota
	fzMean
	fzStd
	fzMin
	fzMax
	fzStuck
	fzInt8
	fzReverse
)

// echoModels caches models whose output is their input: RESHAPE for
// float32, DEQUANTIZE (scale 0.5, zero point 3) for int8.
var echoModels sync.Map

func echoModel(t testing.TB, size, channels int, int8In bool) *testModel {
	key := fmt.Sprint(size, channels, int8In)
	if m, ok := echoModels.Load(key); ok {
		return m.(*testModel)
	}
	var data []byte
	if int8In {
		data = dequantizeModel(t, tensor.Int8, []int{1, size, channels}, 0.5, 3)
	} else {
		b := builder.New()
		x := b.Tensor("in", tensor.Float32, []int{1, size, channels}, nil)
		y := b.Tensor("out", tensor.Float32, []int{1, size * channels}, nil)
		b.Op(builder.Reshape, []int{x}, []int{y}, builder.ReshapeOptions{NewShape: []int{1, size * channels}})
		b.Inputs(x)
		b.Outputs(y)
		var err error
		if data, err = b.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	m, err := loadTestModel(data, nil) // kept for the whole process
	if err != nil {
		t.Fatal(err)
	}
	cached, _ := echoModels.LoadOrStore(key, m)
	return cached.(*testModel)
}

// FuzzPreprocess runs random time-series samples (NaN, Inf, huge values,
// wrong lengths) through a pipeline with random window, selection,
// normalization and quality settings. It must never panic, never feed a
// non-finite value to the model (the echo model's output shows the input)
// and keep its counters consistent.
func FuzzPreprocess(f *testing.F) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	f.Add((&fuzzWriter{}).bytes(2, 3, 1, 0).bytes(3).floats(1, 2, 3).bytes(3).floats(4, 5, 6).bytes(3).floats(7, 8, 9).bytes(3).floats(1, 1, 1).b)
	f.Add((&fuzzWriter{}).bytes(0, 3, 0, fzMean|fzStd|fzMin|fzMax).floats(0.5, 1e-30, -100, 100).
		bytes(1).floats(1e-10).bytes(1).floats(1e20).bytes(1).floats(nan).bytes(1).floats(2).bytes(1).floats(3).bytes(1).floats(4).b)
	f.Add((&fuzzWriter{}).bytes(1, 1, 2, fzPerChannel|fzMean|fzStd|fzStuck|fzInt8|fzReverse).floats(1, -2, 0.1, 3).bytes(3).
		bytes(2).floats(inf, 1).bytes(2).floats(5, 5).bytes(2).floats(5, 5).bytes(2).floats(5, 5).bytes(2).floats(3e38, -3e38).bytes(0).b)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{b: data}
		channels := int(r.byte()%4) + 1
		size := int(r.byte()%8) + 1
		stride := int(r.byte() % 10)
		flags := r.byte()
		names := []string{"a", "b", "c", "d"}[:channels]
		var sel []string
		if flags&fzReverse != 0 {
			for i := channels - 1; i >= 0; i-- {
				sel = append(sel, names[i])
			}
		}
		var norm Normalize
		n := 1
		if flags&fzPerChannel != 0 {
			n = channels
		}
		for range n {
			if flags&fzMean != 0 {
				norm.Mean = append(norm.Mean, float64(r.float()))
			}
			if flags&fzStd != 0 {
				norm.Std = append(norm.Std, float64(r.float()))
			}
		}
		var q Quality
		if flags&fzMin != 0 {
			v := float64(r.float())
			q.Min = &v
		}
		if flags&fzMax != 0 {
			v := float64(r.float())
			q.Max = &v
		}
		if flags&fzStuck != 0 {
			q.StuckSamples = int(r.byte() % 6)
		}
		rec := &recorder{}
		p, err := New(Options{
			Name: "fuzz", Channels: names, Select: sel, Model: echoModel(t, size, channels, flags&fzInt8 != 0),
			Queue: 64, Window: Window{Size: size, Stride: stride}, Normalize: norm, Quality: q,
			Post: Post{Kind: KindRaw}, Sink: rec.sink,
		})
		if err != nil {
			return // refused settings are fine; a panic is not
		}
		offered := 0
		for len(r.b) > 0 && offered < 64 {
			k := int(r.byte() % 8)
			vals := make([]float32, k)
			for i := range vals {
				vals[i] = r.float()
			}
			p.Offer(sensor.Sample{Values: vals})
			offered++
		}
		drain(t, p)
		st := p.Stats()
		var rejected uint64
		for _, c := range st.Rejected {
			rejected += c
		}
		if st.Samples != uint64(offered) || st.Accepted+rejected != st.Samples || st.Errors != 0 || st.Published != st.Inferences {
			t.Fatalf("inconsistent stats %+v for %d samples", st, offered)
		}
		for _, pr := range rec.all() {
			if strings.Contains(string(pr.Output), "null") {
				t.Fatalf("the model was fed a non-finite value: it echoed %s", pr.Output)
			}
			if flags&fzInt8 != 0 {
				for _, v := range values(t, pr) {
					if v < 0.5*(-128-3) || v > 0.5*(127-3) {
						t.Fatalf("int8 echo %v outside the type's range", v)
					}
				}
			}
		}
	})
}

// FuzzImagePreprocess converts random small images into random image
// inputs. It must never panic; a float32 input gets only finite values,
// within [0, 255] when not normalized.
func FuzzImagePreprocess(f *testing.F) {
	f.Add([]byte{2, 2, 0, 4, 4, 0, 0, 0, 10, 20, 30, 40})
	f.Add([]byte{3, 1, 1, 1, 2, 0xff, 0, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255})
	f.Add([]byte{1, 1, 0, 8, 8, 0x1e, 0x40, 0x3f, 0, 0, 0, 0, 0x80, 0x3f, 200})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{b: data}
		sw, sh := int(r.byte()%8)+1, int(r.byte()%8)+1
		rgbSrc := r.byte()%2 == 1
		dw, dh := int(r.byte()%8)+1, int(r.byte()%8)+1
		flags := r.byte()
		c := 1
		if flags&1 != 0 {
			c = 3
		}
		shape := []int{1, dh, dw, c}
		if flags&2 != 0 {
			shape = []int{1, c, dh, dw}
		}
		im := Image{Layout: LayoutNHWC}
		if flags&2 != 0 {
			im.Layout = LayoutNCHW
		}
		if flags&4 != 0 {
			im.Resize = ResizeNearest
		}
		var in *tensor.Tensor
		switch {
		case flags&8 != 0:
			in = imageInput(tensor.Int8, shape, 1.0/128, -1)
			if flags&16 != 0 {
				im.Encoding = EncodingStored
			}
		default:
			in = imageInput(tensor.Float32, shape, 0, 0)
		}
		var norm Normalize
		normalized := flags&32 != 0 && im.Encoding != EncodingStored
		if normalized {
			norm = Normalize{Mean: []float64{float64(r.float())}, Std: []float64{float64(r.float())}}
		}
		var img image.Image
		if rgbSrc {
			m := image.NewRGBA(image.Rect(0, 0, sw, sh))
			for i := range m.Pix {
				m.Pix[i] = r.byte()
			}
			img = m
		} else {
			m := image.NewGray(image.Rect(0, 0, sw, sh))
			for i := range m.Pix {
				m.Pix[i] = r.byte()
			}
			img = m
		}
		fr, err := newFrames(&Options{Sensor: "cam", Image: im, Normalize: norm}, in)
		if err != nil {
			return
		}
		if reason := fr.take(sensor.Sample{Image: img}); reason != "" {
			t.Fatalf("a %dx%d image rejected: %s", sw, sh, reason)
		}
		fr.fill(in)
		if in.Type != tensor.Float32 {
			return
		}
		for i, v := range in.Float32() {
			if !finite(v) || (!normalized && (v < 0 || v > 255)) {
				t.Fatalf("element %d is %v", i, v)
			}
		}
	})
}
