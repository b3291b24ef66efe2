package sensor

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
	"strconv"
)

// maxPGMPixels bounds the size of a PGM image (64 Mpixels).
const maxPGMPixels = 1 << 26

// decodePGM decodes a netpbm graymap: P2 (ASCII) or P5 (binary), maxval
// 1 to 65535 (two big-endian bytes per pixel above 255). Values are
// scaled to the full range: an *image.Gray for maxval up to 255, an
// *image.Gray16 above. Comments ('#' to the end of the line) may appear
// between the header's fields. Only the first image of a file is read.
func decodePGM(r io.Reader) (image.Image, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	var magic [2]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, fmt.Errorf("pgm: %w", noEOF(err))
	}
	if magic[0] != 'P' || (magic[1] != '2' && magic[1] != '5') {
		return nil, fmt.Errorf("pgm: magic %q: only graymaps P2 and P5 are supported", magic[:])
	}
	var hdr [3]int
	for i, name := range []string{"width", "height", "maxval"} {
		v, err := pgmNumber(br)
		if err != nil {
			return nil, fmt.Errorf("pgm: %s: %w", name, err)
		}
		hdr[i] = v
	}
	w, h, maxval := hdr[0], hdr[1], hdr[2]
	if w < 1 || h < 1 || w > maxPGMPixels/h {
		return nil, fmt.Errorf("pgm: size %dx%d: want 1 to %d pixels", w, h, maxPGMPixels)
	}
	if maxval < 1 || maxval > 65535 {
		return nil, fmt.Errorf("pgm: maxval %d: want 1 to 65535", maxval)
	}
	n := w * h
	var px []int
	var err error
	if magic[1] == '5' {
		// Exactly one whitespace byte separates maxval from the raster.
		if c, err := br.ReadByte(); err != nil || !pgmSpace(c) {
			return nil, errors.New("pgm: no whitespace after maxval")
		}
		px, err = pgmBinary(br, n, maxval)
	} else {
		px, err = pgmASCII(br, n)
	}
	if err != nil {
		return nil, err
	}
	for i, v := range px {
		if v > maxval {
			return nil, fmt.Errorf("pgm: pixel %d (x=%d, y=%d) is %d, above maxval %d", i, i%w, i/w, v, maxval)
		}
	}
	rect := image.Rect(0, 0, w, h)
	if maxval <= 255 {
		img := image.NewGray(rect)
		for i, v := range px {
			img.Pix[i] = uint8((v*255 + maxval/2) / maxval)
		}
		return img, nil
	}
	img := image.NewGray16(rect)
	for i, v := range px {
		s := (v*65535 + maxval/2) / maxval
		img.Pix[2*i], img.Pix[2*i+1] = uint8(s>>8), uint8(s)
	}
	return img, nil
}

// pgmBinary reads n P5 pixels of one or two bytes.
func pgmBinary(br *bufio.Reader, n, maxval int) ([]int, error) {
	size := 1
	if maxval > 255 {
		size = 2
	}
	// Grow with the data rather than trusting the header's size.
	raster, err := io.ReadAll(io.LimitReader(br, int64(n*size)))
	if err != nil {
		return nil, fmt.Errorf("pgm: raster: %w", err)
	}
	if len(raster) < n*size {
		return nil, fmt.Errorf("pgm: raster truncated: %d of %d bytes", len(raster), n*size)
	}
	px := make([]int, n)
	for i := range px {
		if size == 1 {
			px[i] = int(raster[i])
		} else {
			px[i] = int(raster[2*i])<<8 | int(raster[2*i+1])
		}
	}
	return px, nil
}

// pgmASCII reads n P2 pixels as decimal numbers.
func pgmASCII(br *bufio.Reader, n int) ([]int, error) {
	px := make([]int, 0, min(n, 4096))
	for len(px) < n {
		v, err := pgmNumber(br)
		if err != nil {
			return nil, fmt.Errorf("pgm: pixel %d of %d: %w", len(px), n, err)
		}
		px = append(px, v)
	}
	return px, nil
}

// pgmNumber skips whitespace and comments and reads a
// decimal number of at most 9 digits.
func pgmNumber(br *bufio.Reader) (int, error) {
	var c byte
	var err error
	for {
		if c, err = br.ReadByte(); err != nil {
			return 0, noEOF(err)
		}
		if c == '#' {
			for c != '\n' && c != '\r' {
				if c, err = br.ReadByte(); err != nil {
					return 0, noEOF(err)
				}
			}
			continue
		}
		if !pgmSpace(c) {
			break
		}
	}
	var digits []byte
	for {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("unexpected %q where a number should be", c)
		}
		if digits = append(digits, c); len(digits) > 9 {
			return 0, fmt.Errorf("number %s... is too long", digits)
		}
		if c, err = br.ReadByte(); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		if pgmSpace(c) || c == '#' {
			br.UnreadByte()
			break
		}
	}
	return strconv.Atoi(string(digits))
}

func pgmSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
