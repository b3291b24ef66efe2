package api_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"github.com/edge-agent/edge-agent/agent/api"
)

// testImage is a 4x3 gray gradient.
func testImage() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 4, 3))
	for y := range 3 {
		for x := range 4 {
			img.SetGray(x, y, color.Gray{Y: uint8(20*x + 60*y)})
		}
	}
	return img
}

// bmpHeader returns a 24-bit BMP header declaring w×h pixels, with no pixel
// data.
func bmpHeader(w, h int32) []byte {
	var b bytes.Buffer
	b.WriteString("BM")
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint32(54))                  // file size (ignored)
	le(uint32(0))                   // reserved
	le(uint32(54))                  // pixel data offset
	le(uint32(40))                  // info header size
	le(w)                           // width
	le(h)                           // height
	le(uint16(1))                   // planes
	le(uint16(24))                  // bits per pixel
	le(uint32(0))                   // no compression
	le(uint32(0))                   // image size
	le([4]uint32{2835, 2835, 0, 0}) // resolution, colours
	return b.Bytes()
}

func TestPushSamples(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	p := srv.Path()
	ts := time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)
	before := time.Now()
	var resp api.SamplesResponse
	send(t, p, request{method: "POST", path: "/v1/sensors/env/samples", ctype: "application/json",
		body: []byte(`{"samples":[{"ts":"2025-06-01T08:30:00Z","values":[21.5,40]},{"values":[22,41.25]}]}`)}).decode(t, &resp)
	if resp.Accepted != 2 {
		t.Errorf("accepted %d, want 2", resp.Accepted)
	}
	got := f.Pushed("env")
	if len(got) != 2 {
		t.Fatalf("backend got %d samples, want 2", len(got))
	}
	if !got[0].TS.Equal(ts) || got[0].Values[0] != 21.5 || got[0].Values[1] != 40 {
		t.Errorf("sample 0 = %+v, want ts %v values [21.5 40]", got[0], ts)
	}
	if got[1].TS.Before(before) || got[1].Values[1] != 41.25 {
		t.Errorf("sample 1 = %+v, want the time of the request and values [22 41.25]", got[1])
	}

	raw := []byte{1, 2, 3, 4, 5}
	send(t, p, request{method: "POST", path: "/v1/sensors/env/samples", ctype: "application/octet-stream", body: raw}).decode(t, &resp)
	if got := f.Pushed("env"); len(got) != 3 || !bytes.Equal(got[2].Raw, raw) || got[2].Values != nil {
		t.Errorf("raw push: backend has %+v, want a third sample with Raw %v", got, raw)
	}

	want := testImage()
	var pngBuf, jpgBuf, bmpBuf bytes.Buffer
	if err := png.Encode(&pngBuf, want); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, want, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpBuf, want); err != nil {
		t.Fatal(err)
	}
	for i, img := range []struct {
		ctype string
		body  []byte
		exact bool
	}{{"image/png", pngBuf.Bytes(), true}, {"image/jpeg", jpgBuf.Bytes(), false}, {"image/bmp", bmpBuf.Bytes(), true}} {
		send(t, p, request{method: "POST", path: "/v1/sensors/env/samples", ctype: img.ctype, body: img.body}).decode(t, &resp)
		all := f.Pushed("env")
		if len(all) != 4+i || all[3+i].Image == nil {
			t.Fatalf("%s: backend has %d samples, the last without an image", img.ctype, len(all))
		}
		gotImg := all[3+i].Image
		if gotImg.Bounds() != want.Bounds() {
			t.Fatalf("%s: bounds %v, want %v", img.ctype, gotImg.Bounds(), want.Bounds())
		}
		for y := range 3 {
			for x := range 4 {
				g := color.GrayModel.Convert(gotImg.At(x, y)).(color.Gray).Y
				w := want.GrayAt(x, y).Y
				if d := int(g) - int(w); (img.exact && d != 0) || d > 3 || d < -3 {
					t.Errorf("%s: pixel %d,%d = %d, want %d", img.ctype, x, y, g, w)
				}
			}
		}
	}
}

func TestPushSamplesErrors(t *testing.T) {
	srv, f := startFake(t, api.Options{MaxBody: 1 << 10})
	f.SensorGroups["failing"] = ""
	p := srv.Path()
	huge := bmpHeader(100000, 100000)
	for _, tc := range []struct {
		name, sensor, ctype string
		body                []byte
		status              int
		code, msg           string
	}{
		{"unknown sensor", "nope", "application/json", []byte(`{"samples":[{"values":[1]}]}`), 404, api.CodeNotFound, `no socket sensor "nope"`},
		{"no samples", "env", "application/json", []byte(`{"samples":[]}`), 400, api.CodeBadRequest, "no samples"},
		{"no values", "env", "application/json", []byte(`{"samples":[{"values":[1]},{"values":[]}]}`), 400, api.CodeBadRequest, "sample 1 has no values"},
		{"overflow", "env", "application/json", []byte(`{"samples":[{"values":[1e39]}]}`), 400, api.CodeBadRequest, "float32"},
		{"bad ts", "env", "application/json", []byte(`{"samples":[{"ts":"yesterday","values":[1]}]}`), 400, api.CodeBadRequest, "bad JSON"},
		{"not json", "env", "application/json", []byte(`21.5`), 400, api.CodeBadRequest, "bad JSON"},
		{"empty raw", "env", "application/octet-stream", nil, 400, api.CodeBadRequest, "empty body"},
		{"bad png", "env", "image/png", []byte("not a png"), 400, api.CodeBadRequest, "image/png"},
		{"bad jpeg", "env", "image/jpeg", []byte{0xff, 0xd8, 0xff}, 400, api.CodeBadRequest, "image/jpeg"},
		{"huge bmp", "env", "image/bmp", huge, 413, api.CodeTooLarge, "100000x100000"},
		{"truncated bmp", "env", "image/bmp", bmpHeader(10, 10), 400, api.CodeBadRequest, "image/bmp"},
		{"gif", "env", "image/gif", []byte("GIF89a"), 415, api.CodeUnsupportedMedia, "image/gif"},
		{"too large", "env", "application/octet-stream", bytes.Repeat([]byte{1}, 2000), 413, api.CodeTooLarge, "1024 bytes"},
		{"backend refuses", "failing", "application/json", []byte(`{"samples":[{"values":[1]}]}`), 400, api.CodeBadRequest, "2 channels"},
	} {
		if tc.name == "huge bmp" && strconv.IntSize == 32 {
			// golang.org/x/image/bmp refuses the header itself where int
			// has 32 bits (width×height×4 overflows): still a clear 400.
			tc.status, tc.code, tc.msg = 400, api.CodeBadRequest, "image/bmp"
		}
		t.Run(tc.name, func(t *testing.T) {
			f.PushErr = nil
			if tc.sensor == "failing" {
				f.PushErr = api.BadRequest("sensor failing has 2 channels, got 1")
			}
			n := len(f.Pushed(tc.sensor))
			r := send(t, p, request{method: "POST", path: "/v1/sensors/" + tc.sensor + "/samples", ctype: tc.ctype, body: tc.body})
			eb := r.errorBody(t)
			if r.status != tc.status || eb.Error.Code != tc.code || !strings.Contains(eb.Error.Message, tc.msg) {
				t.Errorf("got %d %q %q; want %d %q containing %q", r.status, eb.Error.Code, eb.Error.Message, tc.status, tc.code, tc.msg)
			}
			if len(f.Pushed(tc.sensor)) != n {
				t.Errorf("a refused push reached the backend")
			}
		})
	}
}
