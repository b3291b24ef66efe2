package sensor

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	tag         uint16 // format code
	channels    int
	rate        int
	bits        int
	extensible  bool   // WAVE_FORMAT_EXTENSIBLE with tag as the sub-format
	listChunk   bool   // an odd-sized LIST chunk before data
	streamedLen bool   // data size 0xFFFFFFFF, as written while streaming
	data        []byte // the sample bytes
}

func makeWAV(w wavSpec) []byte {
	le := binary.LittleEndian
	var fmtChunk []byte
	block := w.channels * w.bits / 8
	tag := w.tag
	if w.extensible {
		tag = wavExtensible
	}
	fmtChunk = le.AppendUint16(fmtChunk, tag)
	fmtChunk = le.AppendUint16(fmtChunk, uint16(w.channels))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(w.rate))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(w.rate*block))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(block))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(w.bits))
	if w.extensible {
		fmtChunk = le.AppendUint16(fmtChunk, 22)
		fmtChunk = le.AppendUint16(fmtChunk, uint16(w.bits))
		fmtChunk = le.AppendUint32(fmtChunk, 0)
		fmtChunk = le.AppendUint16(fmtChunk, w.tag)
		fmtChunk = append(fmtChunk, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71)
	}
	var body []byte
	body = append(body, "WAVE"...)
	chunk := func(id string, b []byte, size uint32) {
		body = append(body, id...)
		body = le.AppendUint32(body, size)
		body = append(body, b...)
		if len(b)%2 == 1 && id != "data" {
			body = append(body, 0)
		}
	}
	chunk("fmt ", fmtChunk, uint32(len(fmtChunk)))
	if w.listChunk {
		chunk("LIST", []byte("INFOISFT\x05\x00\x00\x00test\x00"), 17)
	}
	size := uint32(len(w.data))
	if w.streamedLen {
		size = 0xFFFFFFFF
	}
	chunk("data", w.data, size)
	out := append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func wavSensor(t *testing.T, w wavSpec, rate float64) (*File, error) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "a.wav", makeWAV(w))
	s, err := New(Spec{Name: "wav", Type: TypeFile, Rate: rate, Fast: true, File: FileOptions{Path: path}}, nil)
	if err != nil {
		return nil, err
	}
	return s.(*File), nil
}

func TestWAVSharedSpeech(t *testing.T) {
	path := testenv.Shared(t, "testdata", "yes_1000ms.wav")
	s := mustNew(t, Spec{Name: "mic", Type: TypeFile, Fast: true, File: FileOptions{Path: path, Format: FormatWAV}}).(*File)
	if !slices.Equal(s.Channels(), []string{"ch0"}) || s.Rate() != 16000 {
		t.Fatalf("channels %v at %v Hz, want ch0 at 16000 Hz", s.Channels(), s.Rate())
	}
	got, err := runAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	// Decode the data chunk independently: 16-bit little-endian mono.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(raw, []byte("data"))
	n := int(binary.LittleEndian.Uint32(raw[at+4:])) / 2
	if len(got) != n || n != 16000 {
		t.Fatalf("%d samples, want %d (1 s at 16 kHz)", len(got), n)
	}
	var peak float64
	for i, smp := range got {
		want := float32(int16(binary.LittleEndian.Uint16(raw[at+8+2*i:]))) / 32768
		if len(smp.Values) != 1 || smp.Values[0] != want {
			t.Fatalf("frame %d: %v, want %v", i, smp.Values, want)
		}
		peak = max(peak, math.Abs(float64(want)))
	}
	if peak < 0.05 {
		t.Errorf("peak %.4f: the spoken word should be louder", peak)
	}
	quiet, err := runAll(t, mustNew(t, Spec{Name: "q", Type: TypeFile, Fast: true,
		File: FileOptions{Path: testenv.Shared(t, "testdata", "silence_1000ms.wav")}}))
	if err != nil {
		t.Fatal(err)
	}
	var qpeak float64
	for _, smp := range quiet {
		qpeak = max(qpeak, math.Abs(float64(smp.Values[0])))
	}
	if qpeak >= peak/4 {
		t.Errorf("silence peaks at %.4f, speech at %.4f", qpeak, peak)
	}
}

func TestWAVSampleFormats(t *testing.T) {
	le := binary.LittleEndian
	f32 := func(vs ...float32) (b []byte) {
		for _, v := range vs {
			b = le.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	f64 := func(vs ...float64) (b []byte) {
		for _, v := range vs {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	i32 := func(vs ...int32) (b []byte) {
		for _, v := range vs {
			b = le.AppendUint32(b, uint32(v))
		}
		return b
	}
	for _, tc := range []struct {
		name string
		w    wavSpec
		want [][]float32
	}{
		{"8-bit stereo", wavSpec{tag: wavPCM, channels: 2, rate: 8000, bits: 8, data: []byte{128, 255, 0, 192}},
			[][]float32{{0, 127.0 / 128}, {-1, 0.5}}},
		{"16-bit", wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: []byte{0x00, 0x80, 0xFF, 0x7F, 0x00, 0x40}},
			[][]float32{{-1}, {32767.0 / 32768}, {0.5}}},
		{"24-bit 3 channels", wavSpec{tag: wavPCM, channels: 3, rate: 48000, bits: 24,
			data: []byte{0x00, 0x00, 0x80, 0x00, 0x00, 0x40, 0xFF, 0xFF, 0xFF}},
			[][]float32{{-1, 0.5, -1.0 / (1 << 23)}}},
		{"32-bit int", wavSpec{tag: wavPCM, channels: 2, rate: 8000, bits: 32, data: i32(math.MinInt32, 1<<30)},
			[][]float32{{-1, 0.5}}},
		{"32-bit float", wavSpec{tag: wavFloat, channels: 1, rate: 8000, bits: 32, data: f32(0.25, -0.75)},
			[][]float32{{0.25}, {-0.75}}},
		{"64-bit float", wavSpec{tag: wavFloat, channels: 1, rate: 8000, bits: 64, data: f64(0.125)},
			[][]float32{{0.125}}},
		{"extensible PCM with a LIST chunk", wavSpec{tag: wavPCM, extensible: true, listChunk: true, channels: 2, rate: 22050, bits: 16,
			data: []byte{0x00, 0x40, 0x00, 0xC0}}, [][]float32{{0.5, -0.5}}},
		{"streamed length, short last frame", wavSpec{tag: wavPCM, streamedLen: true, channels: 1, rate: 8000, bits: 16,
			data: []byte{0x00, 0x20, 0x00, 0xE0, 0x7F}}, [][]float32{{0.25}, {-0.25}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := wavSensor(t, tc.w, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Channels()) != tc.w.channels || s.Rate() != float64(tc.w.rate) {
				t.Fatalf("channels %v, rate %v", s.Channels(), s.Rate())
			}
			got, err := runAll(t, s)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d frames, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !slices.Equal(got[i].Values, tc.want[i]) {
					t.Errorf("frame %d: %v, want %v", i, got[i].Values, tc.want[i])
				}
			}
		})
	}
}

func TestWAVConfiguredRateWins(t *testing.T) {
	s, err := wavSensor(t, wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: make([]byte, 4)}, 250)
	if err != nil {
		t.Fatal(err)
	}
	if s.Rate() != 250 {
		t.Fatalf("rate %v, want the configured 250", s.Rate())
	}
}

func TestWAVRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"ADPCM", makeWAV(wavSpec{tag: 0x0002, channels: 1, rate: 8000, bits: 4, data: make([]byte, 8)}),
			"compressed audio (format 0x0002, Microsoft ADPCM) is not supported"},
		{"extensible mp3", makeWAV(wavSpec{tag: 0x0055, extensible: true, channels: 1, rate: 8000, bits: 16, data: make([]byte, 8)}),
			"compressed audio (format 0x0055, MPEG layer 3)"},
		{"12-bit PCM", makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 12, data: make([]byte, 8)}), "PCM with 12 bits"},
		{"16-bit float", makeWAV(wavSpec{tag: wavFloat, channels: 1, rate: 8000, bits: 16, data: make([]byte, 8)}), "float with 16 bits"},
		{"no channels", makeWAV(wavSpec{tag: wavPCM, channels: 0, rate: 8000, bits: 16}), "0 channels"},
		{"not RIFF", []byte("ID3\x04 this is an mp3 file really"), "no RIFF/WAVE header"},
		{"truncated", makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16})[:30], "fmt chunk: unexpected EOF"},
		{"no data chunk", makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16})[:36], "no data chunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "x.wav", tc.file)
			_, err := New(Spec{Name: "wav", Type: TypeFile, File: FileOptions{Path: path}}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("New = %v, want an error naming the file and %q", err, tc.want)
			}
		})
	}
}
