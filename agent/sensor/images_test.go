package sensor

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// toGray converts any image to an 8-bit gray image at the origin.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	return g
}

func grayDiff(a, b *image.Gray) (maxDiff int) {
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		maxDiff = max(maxDiff, d, -d)
	}
	return maxDiff
}

func TestImagesSharedBMP(t *testing.T) {
	var imgs []*image.Gray
	for _, name := range []string{"person.bmp", "no_person.bmp"} {
		s := mustNew(t, Spec{Name: "cam", Type: TypeFile, File: FileOptions{Path: testenv.Shared(t, "testdata", name)}})
		if s.Channels() != nil {
			t.Fatalf("an image sensor has channels %v", s.Channels())
		}
		got, err := runAll(t, s)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Image == nil || got[0].Values != nil {
			t.Fatalf("%s: %d samples, want one image", name, len(got))
		}
		if b := got[0].Image.Bounds(); b.Dx() != 96 || b.Dy() != 96 {
			t.Fatalf("%s: %v, want 96x96", name, b)
		}
		imgs = append(imgs, toGray(got[0].Image))
	}
	if grayDiff(imgs[0], imgs[1]) == 0 {
		t.Fatal("person and no_person decoded alike")
	}
}

func TestImagesFolderInOrderAcrossFormats(t *testing.T) {
	bmp, err := decodeImageFile(testenv.Shared(t, "testdata", "person.bmp"))
	if err != nil {
		t.Fatal(err)
	}
	ref := toGray(bmp)
	dir := t.TempDir()
	var pngBuf, jpgBuf bytes.Buffer
	if err := png.Encode(&pngBuf, ref); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, ref, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "3-ascii.pgm", encodePGM(ref, true))
	writeFile(t, dir, "1-binary.PGM", encodePGM(ref, false))
	writeFile(t, dir, "2-lossless.png", pngBuf.Bytes())
	writeFile(t, dir, "4-lossy.jpg", jpgBuf.Bytes())
	writeFile(t, dir, "notes.txt", []byte("not an image"))
	writeFile(t, dir, "sub/5-ignored.png", pngBuf.Bytes())

	s := mustNew(t, Spec{Name: "cam", Type: TypeFile, Fast: true, File: FileOptions{Path: dir, Loop: true}})
	got, err := collect(t, s, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i, smp := range got {
		g := toGray(smp.Image)
		d := grayDiff(ref, g)
		lossy := i%4 == 3
		if (!lossy && d != 0) || (lossy && d > 16) {
			t.Errorf("image %d (of 4 in the folder, looping) differs from person.bmp by up to %d", i, d)
		}
		if _, isGray := smp.Image.(*image.Gray); !lossy && i%4 != 1 && !isGray {
			t.Errorf("image %d: PGM decoded as %T, want *image.Gray", i, smp.Image)
		}
	}
}

func TestImagesBadInputs(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(Spec{Name: "cam", Type: TypeFile, File: FileOptions{Path: dir, Format: FormatImages}}, nil); err == nil ||
		!strings.Contains(err.Error(), "no images (.png, .jpg, .jpeg, .bmp, .pgm) in "+dir) {
		t.Errorf("empty folder: %v", err)
	}
	bad := writeFile(t, dir, "b.png", []byte("\x89PNG\r\n\x1a\nbroken"))
	if _, err := New(Spec{Name: "cam", Type: TypeFile, File: FileOptions{Path: bad}}, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad single file: %v, want an error naming it", err)
	}
	good := image.NewGray(image.Rect(0, 0, 2, 2))
	good.SetGray(1, 1, color.Gray{Y: 200})
	writeFile(t, dir, "a.pgm", encodePGM(good, false))
	// In a folder, a bad image ends the pass with an error naming it.
	s := mustNew(t, Spec{Name: "cam", Type: TypeFile, File: FileOptions{Path: dir}})
	got, err := runAll(t, s)
	if len(got) != 1 || err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "b.png")) {
		t.Fatalf("%d samples, %v; want a.pgm, then an error naming b.png", len(got), err)
	}
}
