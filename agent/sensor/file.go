package sensor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The file formats a file sensor replays.
const (
	FormatCSV    = "csv"
	FormatWAV    = "wav"
	FormatImages = "images"
	FormatRaw    = "raw"
)

// FileOptions configure a file sensor.
type FileOptions struct {
	// Path is the file, or for images a file or a folder.
	Path string
	// Format is FormatCSV, FormatWAV, FormatImages or FormatRaw. Empty
	// guesses it from Path: a folder, .png, .jpg, .jpeg, .bmp or .pgm are
	// images; .csv, .wav; .raw and .bin are raw.
	Format string
	// Loop replays the file forever; otherwise Run returns nil at its end.
	Loop bool
	// Columns picks the CSV columns to emit, in this order: header names,
	// or column indexes ("0", "1", ...). Default: every column that holds
	// a number in the first data row, except one named "ts".
	Columns []string
	// TensorBytes is the size of one raw sample; 0 makes the whole file
	// one sample.
	TensorBytes int
}

// File replays a recorded file: CSV rows or WAV frames as time series,
// images as Sample.Image, raw tensors as Sample.Raw. The file is checked
// (header, format, size) when the sensor is built, and opened again for
// every pass.
type File struct {
	name     string
	path     string
	format   string
	loop     bool
	rate     float64
	fast     bool
	clock    func() time.Time
	logger   *slog.Logger
	channels []string
	// open starts a pass over the file.
	open func() (frames, error)
}

// frames is one pass over a file.
type frames interface {
	// next returns the next sample, or io.EOF after the last one.
	next() (Sample, error)
	Close() error
}

func newFile(spec Spec, logger *slog.Logger) (*File, error) {
	o := spec.File
	if o.Path == "" {
		return nil, errors.New("file: the path is empty")
	}
	st, err := os.Stat(o.Path)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	format := o.Format
	if format == "" {
		if format, err = guessFormat(o.Path, st.IsDir()); err != nil {
			return nil, fmt.Errorf("file: %w", err)
		}
	}
	if st.IsDir() && format != FormatImages {
		return nil, fmt.Errorf("file: %s is a folder: only the %s format reads folders", o.Path, FormatImages)
	}
	if len(o.Columns) > 0 && format != FormatCSV {
		return nil, fmt.Errorf("file: columns apply to the %s format only, not %s", FormatCSV, format)
	}
	if o.TensorBytes != 0 && format != FormatRaw {
		return nil, fmt.Errorf("file: tensor_bytes applies to the %s format only, not %s", FormatRaw, format)
	}
	f := &File{name: spec.Name, path: o.Path, format: format, loop: o.Loop, rate: spec.Rate,
		fast: spec.Fast, clock: spec.Clock, logger: logger}
	switch format {
	case FormatCSV:
		err = f.initCSV(o.Columns)
	case FormatWAV:
		err = f.initWAV()
	case FormatImages:
		err = f.initImages(st.IsDir())
	case FormatRaw:
		err = f.initRaw(o.TensorBytes, st.Size())
	default:
		err = fmt.Errorf("unknown format %q (want %s, %s, %s or %s)", format, FormatCSV, FormatWAV, FormatImages, FormatRaw)
	}
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	return f, nil
}

func guessFormat(path string, dir bool) (string, error) {
	if dir {
		return FormatImages, nil
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv":
		return FormatCSV, nil
	case ".wav":
		return FormatWAV, nil
	case ".raw", ".bin":
		return FormatRaw, nil
	default:
		if imageExts[ext] {
			return FormatImages, nil
		}
	}
	return "", fmt.Errorf("cannot tell the format of %s from its name: set format (%s, %s, %s or %s)",
		path, FormatCSV, FormatWAV, FormatImages, FormatRaw)
}

// Name returns the sensor's name.
func (f *File) Name() string { return f.name }

// Channels returns the CSV columns or the WAV channels (ch0, ch1, ...);
// nil for images and raw tensors.
func (f *File) Channels() []string { return f.channels }

// Rate returns the replay pace in samples per second (0: unpaced). For a
// WAV file configured without a rate, it is the file's sample rate.
func (f *File) Rate() float64 { return f.rate }

// Run replays the file at Rate (or unpaced when Rate is 0 or Fast) until
// its end (returning nil), or forever with Loop, until ctx is done
// (returning nil). A file that cannot be read or holds a bad record ends
// it with an error naming the sensor, the file and the record.
func (f *File) Run(ctx context.Context, emit func(Sample)) error {
	p := newPacer(f.rate, f.fast)
	defer p.stop()
	for pass := 1; ; pass++ {
		src, err := f.open()
		if err != nil {
			return fmt.Errorf("sensor %q: %w", f.name, err)
		}
		n, err := f.play(ctx, p, src, emit)
		src.Close()
		if err != nil {
			return fmt.Errorf("sensor %q: %w", f.name, err)
		}
		if ctx.Err() != nil {
			return nil
		}
		f.logger.Debug("file replayed", "path", f.path, "pass", pass, "samples", n)
		if !f.loop {
			return nil
		}
		if n == 0 {
			return fmt.Errorf("sensor %q: %s holds no samples to loop over", f.name, f.path)
		}
	}
}

// play emits one pass; it returns the number of samples emitted.
func (f *File) play(ctx context.Context, p *pacer, src frames, emit func(Sample)) (int, error) {
	n := 0
	for {
		if p.wait(ctx) != nil {
			return n, nil
		}
		s, err := src.next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if s.TS.IsZero() {
			s.TS = f.clock()
		}
		emit(s)
		n++
	}
}
