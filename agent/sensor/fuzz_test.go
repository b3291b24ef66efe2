package sensor

import (
	"bytes"
	"image"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// FuzzPayload checks the MQTT payload parser: no panic, and what it
// accepts has the asked-for number of finite float32 values.
func FuzzPayload(f *testing.F) {
	for _, s := range []string{
		`{"values":[21.5,40],"ts":"2024-05-01T12:00:00Z"}`, `{"values":[1]}`, `[1,2,3]`, `42`, `-1e-3`,
		`{"values":[1,null]}`, `[1e39]`, `"x"`, `{"ts":"2024-05-01T12:00:00.123+02:00","values":[0,0]}`, ``, `{}`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, channels uint8) {
		vals, _, err := parsePayload(data, int(channels))
		if err != nil {
			return
		}
		if len(vals) != int(channels) {
			t.Fatalf("%d values for %d channels", len(vals), channels)
		}
		for _, v := range vals {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("accepted a non-finite value %v", v)
			}
		}
	})
}

// FuzzSysfsValue checks the sysfs number parser: no panic, accepted
// values are finite and parse again the same from their own text.
func FuzzSysfsValue(f *testing.F) {
	for _, s := range []string{"123\n", "-12\n", "0.000598205\n", "-15887.515151\n", "100.325312500\n", "1e3", "", "nan", "1 2", "0x10"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseSysfsValue(data)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%q gave %v", data, v)
		}
		again, err := parseSysfsValue([]byte(strconv.FormatFloat(v, 'g', -1, 64) + "\n"))
		if err != nil || again != v {
			t.Fatalf("%q gave %v, which reads back as %v, %v", data, v, again, err)
		}
	})
}

// FuzzPGM checks the PGM decoder: no panic, and an accepted image has the
// header's size and gray pixels.
func FuzzPGM(f *testing.F) {
	for _, s := range []string{
		"P5 3 2 255\n\x00\x80\xff\x01\x02\x03", "P2\n# c\n2 2\n15\n0 15\n5 10\n", "P5\n2 1\n65535\n\x12\x34\xff\xff",
		"P5 2 1 1000\n\x01\xf4\x03\xe8", "P2 1 1 1 1", "P6 1 1 255\n\x00\x00\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := decodePGM(bytes.NewReader(data))
		if err != nil {
			return
		}
		switch g := img.(type) {
		case *image.Gray:
			if len(g.Pix) != g.Bounds().Dx()*g.Bounds().Dy() {
				t.Fatalf("%d pixels for %v", len(g.Pix), g.Bounds())
			}
		case *image.Gray16:
			if len(g.Pix) != 2*g.Bounds().Dx()*g.Bounds().Dy() {
				t.Fatalf("%d bytes for %v", len(g.Pix), g.Bounds())
			}
		default:
			t.Fatalf("decoded a %T", img)
		}
	})
}

// FuzzWAV checks the WAV reader on the shared recording's header and on
// made-up files: no panic; every frame has one value per channel, and
// integer samples lie in [-1, 1).
func FuzzWAV(f *testing.F) {
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 2, rate: 8000, bits: 8, data: []byte{128, 255, 0, 192}}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 3, rate: 48000, bits: 24, data: make([]byte, 18)}))
	f.Add(makeWAV(wavSpec{tag: wavFloat, channels: 1, rate: 8000, bits: 32, listChunk: true, data: make([]byte, 8)}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, extensible: true, streamedLen: true, channels: 2, rate: 8000, bits: 16, data: make([]byte, 9)}))
	f.Add(makeWAV(wavSpec{tag: 0x0011, channels: 1, rate: 8000, bits: 4, data: make([]byte, 8)}))
	if data, err := os.ReadFile(testenv.Shared(f, "testdata", "yes_1000ms.wav")); err == nil {
		f.Add(data[:200])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := newWAVFrames(bytes.NewReader(data), "fuzz.wav")
		if err != nil {
			return
		}
		for {
			s, err := w.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Values) != w.h.channels {
				t.Fatalf("%d values for %d channels", len(s.Values), w.h.channels)
			}
			for _, v := range s.Values {
				if w.h.format == wavPCM && (v < -1 || v >= 1) {
					t.Fatalf("PCM value %v out of [-1, 1)", v)
				}
			}
		}
	})
}

// FuzzCSV checks the CSV reader: no panic; every row it reads has one
// value per channel.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"ts,ax,ay,az,label\n2025-03-01T10:00:00Z,0.1,0.2,1.0,idle\n1740823200.5,1e-3,NaN,1,walking\n",
		"1,2,3\n4,5,6\n", "\xEF\xBB\xBF# c\nv\n1\n2\n", "a,b\n1,\"2\"\n3,x\n", "ax,ay\n1,2\n3\n",
	} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "1")
	}
	f.Fuzz(func(t *testing.T, data []byte, column string) {
		var columns []string
		if column != "" {
			columns = strings.Split(column, ",")
		}
		l, err := probeCSV(bytes.NewReader(data), "fuzz.csv", columns)
		if err != nil {
			return
		}
		if len(l.names) != len(l.cols) || len(l.cols) == 0 {
			t.Fatalf("%d names for %d columns", len(l.names), len(l.cols))
		}
		fr, err := newCSVFrames(bytes.NewReader(data), l)
		if err != nil {
			return
		}
		for {
			s, err := fr.next()
			if err != nil {
				return
			}
			if len(s.Values) != len(l.cols) {
				t.Fatalf("%d values for %d channels", len(s.Values), len(l.cols))
			}
		}
	})
}
