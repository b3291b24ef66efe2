package sensor

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// WAV format codes (the fmt chunk's wFormatTag).
const (
	wavPCM        = 0x0001
	wavFloat      = 0x0003
	wavExtensible = 0xFFFE
)

// wavCompressed names common compressed WAV codecs for the error message.
var wavCompressed = map[uint16]string{
	0x0002: "Microsoft ADPCM",
	0x0006: "A-law",
	0x0007: "µ-law",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0050: "MPEG",
	0x0055: "MPEG layer 3",
}

const maxWAVChannels = 64

// wavHeader is a WAV file's format, read up to the start of its samples.
type wavHeader struct {
	format     uint16 // wavPCM or wavFloat (extensible resolved)
	channels   int
	rate       int
	bits       int
	blockAlign int
	dataSize   int64 // bytes of samples; -1: up to the end of the file
}

// readWAVHeader reads a RIFF/WAVE header from r and leaves r at the first
// sample frame. It accepts PCM integers of 8 (unsigned), 16, 24 and 32
// bits and IEEE floats of 32 and 64 bits, also in WAVE_FORMAT_EXTENSIBLE,
// with any number of channels up to 64; it refuses compressed codecs.
func readWAVHeader(r io.Reader) (*wavHeader, error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return nil, fmt.Errorf("not a WAV file: %w", noEOF(err))
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file: no RIFF/WAVE header")
	}
	var h *wavHeader
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("no data chunk: %w", noEOF(err))
		}
		id, size := string(ch[0:4]), int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("fmt chunk of %d bytes: want 16 to 1024", size)
			}
			b := make([]byte, size+size&1)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, fmt.Errorf("fmt chunk: %w", noEOF(err))
			}
			var err error
			if h, err = parseWAVFormat(b[:size]); err != nil {
				return nil, err
			}
		case "data":
			if h == nil {
				return nil, errors.New("the data chunk comes before the fmt chunk")
			}
			h.dataSize = size
			if size == 0 || size == 0xFFFFFFFF { // written while streaming
				h.dataSize = -1
			}
			return h, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size&1); err != nil {
				return nil, fmt.Errorf("%q chunk: %w", id, noEOF(err))
			}
		}
	}
}

func parseWAVFormat(b []byte) (*wavHeader, error) {
	le := binary.LittleEndian
	h := &wavHeader{
		format:     le.Uint16(b[0:2]),
		channels:   int(le.Uint16(b[2:4])),
		rate:       int(le.Uint32(b[4:8])),
		blockAlign: int(le.Uint16(b[12:14])),
		bits:       int(le.Uint16(b[14:16])),
	}
	if h.format == wavExtensible {
		if len(b) < 40 {
			return nil, fmt.Errorf("extensible fmt chunk of %d bytes: want 40", len(b))
		}
		h.format = le.Uint16(b[24:26]) // the sub-format GUID's first field
	}
	switch h.format {
	case wavPCM:
		if h.bits != 8 && h.bits != 16 && h.bits != 24 && h.bits != 32 {
			return nil, fmt.Errorf("PCM with %d bits per sample: want 8, 16, 24 or 32", h.bits)
		}
	case wavFloat:
		if h.bits != 32 && h.bits != 64 {
			return nil, fmt.Errorf("float with %d bits per sample: want 32 or 64", h.bits)
		}
	default:
		name := wavCompressed[h.format]
		if name == "" {
			name = "an unknown codec"
		}
		return nil, fmt.Errorf("compressed audio (format 0x%04x, %s) is not supported: convert it to PCM or float", h.format, name)
	}
	if h.channels < 1 || h.channels > maxWAVChannels {
		return nil, fmt.Errorf("%d channels: want 1 to %d", h.channels, maxWAVChannels)
	}
	if h.rate < 1 {
		return nil, fmt.Errorf("sample rate %d Hz", h.rate)
	}
	if want := h.channels * h.bits / 8; h.blockAlign != want {
		return nil, fmt.Errorf("block align %d: want %d for %d channels of %d bits", h.blockAlign, want, h.channels, h.bits)
	}
	return h, nil
}

// noEOF turns an early end of input into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// wavFrames reads a WAV file's frames: one sample per frame, one value per
// channel, integers scaled to [-1, 1) and floats as they are.
type wavFrames struct {
	h      *wavHeader
	r      io.Reader
	left   int64 // bytes of samples left; < 0: unknown
	buf    []byte
	closer io.Closer
	name   string
	frame  int64
}

func newWAVFrames(r io.Reader, name string) (*wavFrames, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	h, err := readWAVHeader(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &wavFrames{h: h, r: br, left: h.dataSize, buf: make([]byte, h.blockAlign), name: name}, nil
}

func (w *wavFrames) next() (Sample, error) {
	if w.left >= 0 && w.left < int64(len(w.buf)) {
		return Sample{}, io.EOF
	}
	if _, err := io.ReadFull(w.r, w.buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return Sample{}, io.EOF // a short last frame is dropped
		}
		return Sample{}, fmt.Errorf("%s frame %d: %w", w.name, w.frame, err)
	}
	if w.left > 0 {
		w.left -= int64(len(w.buf))
	}
	w.frame++
	return Sample{Values: decodeWAVFrame(w.h, w.buf)}, nil
}

func (w *wavFrames) Close() error {
	if w.closer != nil {
		return w.closer.Close()
	}
	return nil
}

// decodeWAVFrame converts one frame's bytes to a value per channel.
func decodeWAVFrame(h *wavHeader, b []byte) []float32 {
	le := binary.LittleEndian
	vals := make([]float32, h.channels)
	size := h.bits / 8
	for c := range vals {
		p := b[c*size : (c+1)*size]
		switch {
		case h.format == wavFloat && size == 4:
			vals[c] = math.Float32frombits(le.Uint32(p))
		case h.format == wavFloat:
			vals[c] = float32(math.Float64frombits(le.Uint64(p)))
		case size == 1: // unsigned, 128 is zero
			vals[c] = float32(int(p[0])-128) / 128
		case size == 2:
			vals[c] = float32(int16(le.Uint16(p))) / (1 << 15)
		case size == 3:
			v := int32(uint32(p[0])<<8|uint32(p[1])<<16|uint32(p[2])<<24) >> 8
			vals[c] = float32(v) / (1 << 23)
		default:
			// float32 has 24 bits of precision: the largest 32-bit
			// samples round up to 1, which the [-1, 1) range excludes.
			vals[c] = min(float32(float64(int32(le.Uint32(p)))/(1<<31)), maxBelowOne)
		}
	}
	return vals
}

// maxBelowOne is the largest float32 below 1 (1 - 2^-24).
const maxBelowOne float32 = 1 - 1.0/(1<<24)

// initWAV checks the file's header; without a configured rate, the file
// is replayed at its own sample rate.
func (f *File) initWAV() error {
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer fh.Close()
	w, err := newWAVFrames(fh, f.path)
	if err != nil {
		return err
	}
	f.channels = indexedNames("ch", w.h.channels)
	if f.rate == 0 {
		f.rate = float64(w.h.rate)
	}
	f.open = func() (frames, error) {
		fh, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		w, err := newWAVFrames(fh, f.path)
		if err != nil {
			fh.Close()
			return nil, err
		}
		w.closer = fh
		return w, nil
	}
	return nil
}
