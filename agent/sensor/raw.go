package sensor

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

// maxRawSample bounds one raw sample (and so a whole raw file replayed as
// one sample).
const maxRawSample = 1 << 30

// rawFrames reads a file as consecutive tensors of size bytes each.
type rawFrames struct {
	r    io.Reader
	f    *os.File
	size int
	path string
	n    int
}

func (f *rawFrames) next() (Sample, error) {
	b := make([]byte, f.size)
	k, err := io.ReadFull(f.r, b)
	if err == io.EOF {
		return Sample{}, io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		return Sample{}, fmt.Errorf("%s: sample %d is %d bytes, want %d (did the file change?)", f.path, f.n, k, f.size)
	}
	if err != nil {
		return Sample{}, fmt.Errorf("%s: sample %d: %w", f.path, f.n, err)
	}
	f.n++
	return Sample{Raw: b}, nil
}

func (f *rawFrames) Close() error { return f.f.Close() }

// initRaw checks that the file splits into whole samples of tensorBytes
// (the whole file when 0).
func (f *File) initRaw(tensorBytes int, size int64) error {
	switch {
	case tensorBytes < 0:
		return fmt.Errorf("tensor_bytes %d: want >= 0 (0: the whole file is one sample)", tensorBytes)
	case size == 0:
		return fmt.Errorf("%s is empty", f.path)
	case tensorBytes == 0 && size > maxRawSample:
		return fmt.Errorf("%s is %d bytes: too big for one sample (set tensor_bytes)", f.path, size)
	case tensorBytes == 0:
		tensorBytes = int(size)
	case tensorBytes > maxRawSample:
		return fmt.Errorf("tensor_bytes %d: at most %d", tensorBytes, maxRawSample)
	case size%int64(tensorBytes) != 0:
		return fmt.Errorf("%s is %d bytes, not a multiple of tensor_bytes %d", f.path, size, tensorBytes)
	}
	f.open = func() (frames, error) {
		fh, err := os.Open(f.path)
		if err != nil {
			return nil, err
		}
		return &rawFrames{r: bufio.NewReader(fh), f: fh, size: tensorBytes, path: f.path}, nil
	}
	return nil
}
