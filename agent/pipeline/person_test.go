package pipeline

import (
	"image"
	"math"
	"os"
	"testing"

	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// person_detect's output is INT8 [no_person, person], scale 1/256, zero
// point -128 (../shared/golden/person_detect/meta.json).
const personScale = 0.00390625

func personModel(t *testing.T) *testModel {
	t.Helper()
	data, err := os.ReadFile(testenv.Shared(t, "models", "person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	return newTestModel(t, data, []string{"no_person", "person"})
}

// goldenScores reads a golden output of person_detect as real scores.
func goldenScores(t *testing.T, name string) []float64 {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", name))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(b))
	for i, q := range b {
		out[i] = personScale * (float64(int8(q)) + 128)
	}
	return out
}

// runFrames feeds each sample to a new pipeline on m and returns the
// predictions.
func runFrames(t *testing.T, m Model, im Image, norm Normalize, samples ...sensor.Sample) []wire.Prediction {
	t.Helper()
	rec := &recorder{}
	p, err := New(Options{
		Name: "person", Sensor: "camera", Model: m, Queue: len(samples), Image: im, Normalize: norm,
		Post: Post{Kind: KindClassification, TopK: 2}, Sink: rec.sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		p.Offer(s)
	}
	drain(t, p)
	preds := rec.all()
	if len(preds) != len(samples) {
		t.Fatalf("%d predictions for %d frames; stats %+v", len(preds), len(samples), p.Stats())
	}
	return preds
}

// closeTo reports whether the scores are within one quantization step.
func closeTo(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > personScale*1.001 {
			return false
		}
	}
	return true
}

// upscale2 doubles an image's size by repeating pixels.
func upscale2(src image.Image) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, 2*b.Dx(), 2*b.Dy()))
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			r, _, _, _ := src.At(b.Min.X+x/2, b.Min.Y+y/2).RGBA()
			dst.Pix[y*dst.Stride+x] = uint8(r >> 8)
		}
	}
	return dst
}

// TestPersonDetectStoredImages feeds TFLite Micro's test images as its
// person_detection test does: the bytes as int8 ("stored" encoding). The
// model must see exactly the golden input bytes: the scores equal those of
// the golden input fed as a raw tensor. (They are within a few steps of the
// golden outputs, which come from TFLite with XNNPACK's float
// requantization, see meta.json's int8_rounding_note.)
func TestPersonDetectStoredImages(t *testing.T) {
	m := personModel(t)
	person := decodeBMP(t, testenv.Shared(t, "testdata", "person.bmp"))
	noPerson := decodeBMP(t, testenv.Shared(t, "testdata", "no_person.bmp"))
	preds := runFrames(t, m, Image{Encoding: EncodingStored}, Normalize{},
		sensor.Sample{TS: testBase, Image: person},
		sensor.Sample{TS: testBase.Add(1), Image: noPerson})
	for i, tc := range []struct {
		input, golden, label string
	}{{"input_0.bin", "output_0.bin", "person"}, {"input_1.bin", "output_1.bin", "no_person"}} {
		raw, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", tc.input))
		if err != nil {
			t.Fatal(err)
		}
		fromRaw := runFrames(t, m, Image{}, Normalize{}, sensor.Sample{TS: testBase, Raw: raw})[0]
		got, want := values(t, preds[i]), goldenScores(t, tc.golden)
		t.Logf("%s: scores %v, golden %v", tc.label, got, want)
		if string(preds[i].Output) != string(fromRaw.Output) {
			t.Errorf("frame %d: scores %s, but %s from the golden input bytes", i, preds[i].Output, fromRaw.Output)
		}
		if preds[i].Top[0].Label != tc.label || (want[1] > want[0]) != (tc.label == "person") {
			t.Errorf("frame %d: top %v, want %s", i, preds[i].Top, tc.label)
		}
	}

	// The same images at twice the size, resized back: both methods
	// sample exactly the original pixels, so the scores are the same.
	for _, resize := range []string{ResizeNearest, ResizeBilinear} {
		big := runFrames(t, m, Image{Encoding: EncodingStored, Resize: resize, Width: 96, Height: 96, Color: ColorGray, Layout: LayoutNHWC}, Normalize{},
			sensor.Sample{TS: testBase, Image: upscale2(person)},
			sensor.Sample{TS: testBase.Add(1), Image: upscale2(noPerson)})
		for i := range big {
			if string(big[i].Output) != string(preds[i].Output) {
				t.Errorf("%s from 192x192, frame %d: %s, want %s", resize, i, big[i].Output, preds[i].Output)
			}
		}
	}
}

// TestPersonDetectRawTensor feeds the golden input bytes as a raw tensor:
// person.bmp's scores are the golden ones (within one step).
func TestPersonDetectRawTensor(t *testing.T) {
	raw, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", "input_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	preds := runFrames(t, personModel(t), Image{}, Normalize{}, sensor.Sample{TS: testBase, Raw: raw})
	if got, want := values(t, preds[0]), goldenScores(t, "output_0.bin"); !closeTo(got, want) {
		t.Errorf("scores %v, want %v", got, want)
	}
}

// TestPersonDetectValueEncoding feeds no_person.bmp, which holds uint8
// grey levels, as real values mapped to [-1, 1]: the model's own input
// quantization then makes them int8.
func TestPersonDetectValueEncoding(t *testing.T) {
	noPerson := decodeBMP(t, testenv.Shared(t, "testdata", "no_person.bmp"))
	preds := runFrames(t, personModel(t), Image{}, Normalize{Mean: []float64{127.5}, Std: []float64{127.5}},
		sensor.Sample{TS: testBase, Image: noPerson})
	t.Logf("no_person.bmp as grey levels: %s", preds[0].Output)
	if preds[0].Top[0].Label != "no_person" {
		t.Errorf("top %v, want no_person", preds[0].Top)
	}
}
