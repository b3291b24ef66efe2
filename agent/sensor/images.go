package sensor

import (
	"bufio"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "golang.org/x/image/bmp" // registers BMP with image.Decode
)

// imageExts are the file name extensions an image folder is read for.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".bmp": true, ".pgm": true}

// imageFrames decodes a list of image files in order, one sample each.
type imageFrames struct {
	files []string
	i     int
}

func (f *imageFrames) next() (Sample, error) {
	if f.i >= len(f.files) {
		return Sample{}, io.EOF
	}
	path := f.files[f.i]
	f.i++
	img, err := decodeImageFile(path)
	if err != nil {
		return Sample{}, err
	}
	return Sample{Image: img}, nil
}

func (f *imageFrames) Close() error { return nil }

// decodeImageFile decodes a PNG, JPEG, BMP or PGM (P2, P5) file, by its
// content rather than its name.
func decodeImageFile(path string) (image.Image, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	br := bufio.NewReader(fh)
	var img image.Image
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 'P' && magic[1] >= '1' && magic[1] <= '7' {
		img, err = decodePGM(br)
	} else {
		img, _, err = image.Decode(br)
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, fmt.Errorf("image %s: no pixels", path)
	}
	return img, nil
}

// listImages returns the image files of a folder, sorted by name.
func listImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no images (.png, .jpg, .jpeg, .bmp, .pgm) in %s", dir)
	}
	sort.Strings(files)
	return files, nil
}

// initImages lists the images to replay; each is decoded when its turn
// comes, so a bad one ends the pass with an error naming it. A single
// file is decoded now, to report a bad file at once.
func (f *File) initImages(dir bool) error {
	files := []string{f.path}
	if dir {
		var err error
		if files, err = listImages(f.path); err != nil {
			return err
		}
	} else if _, err := decodeImageFile(f.path); err != nil {
		return err
	}
	f.open = func() (frames, error) { return &imageFrames{files: files}, nil }
	return nil
}
