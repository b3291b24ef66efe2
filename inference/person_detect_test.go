package inference_test

import (
	"image"
	"os"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// grayBytes decodes an 8-bit BMP into its grey levels, top row first.
func grayBytes(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := bmp.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			out = append(out, byte(r>>8))
		}
	}
	if _, ok := img.(*image.Paletted); !ok {
		t.Logf("%s: decoded as %T", path, img)
	}
	return out
}

// TestPersonDetectImages runs person_detect on the two test images of
// TFLite Micro's person_detection example, fed as its test feeds them (and
// as ../shared/golden/person_detect/meta.json describes): the image's bytes,
// top row first, reinterpreted as int8. Index 1 of the output is "person".
func TestPersonDetectImages(t *testing.T) {
	m, err := model.LoadFile(testenv.Shared(t, "models", "person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	it, err := inference.New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for _, tc := range []struct {
		image  string
		person bool
	}{{"person.bmp", true}, {"no_person.bmp", false}} {
		px := grayBytes(t, testenv.Shared(t, "testdata", tc.image))
		if len(px) != len(it.Input(0).Data) {
			t.Fatalf("%s: %d pixels for input %s", tc.image, len(px), it.Input(0))
		}
		copy(it.Input(0).Data, px)
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		scores := it.Output(0).Int8()
		noPerson, person := scores[0], scores[1]
		t.Logf("%s: person %d, no person %d", tc.image, person, noPerson)
		if tc.person && person <= noPerson {
			t.Errorf("%s: person score %d not above no-person score %d", tc.image, person, noPerson)
		}
		if !tc.person && noPerson <= person {
			t.Errorf("%s: no-person score %d not above person score %d", tc.image, noPerson, person)
		}
		// The same bytes as the golden input of the same image.
		k := map[bool]string{true: "input_0.bin", false: "input_1.bin"}[tc.person]
		golden, err := os.ReadFile(testenv.Shared(t, "golden", "person_detect", k))
		if err != nil {
			t.Fatal(err)
		}
		if string(golden) != string(px) {
			t.Errorf("%s decodes to bytes that differ from the golden %s", tc.image, k)
		}
	}
}
