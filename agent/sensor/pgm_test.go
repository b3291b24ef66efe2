package sensor

import (
	"bytes"
	"fmt"
	"image"
	"strings"
	"testing"
)

// encodePGM writes g as a P5 (binary) or P2 (ASCII) graymap with maxval
// 255, with a comment in the header.
func encodePGM(g *image.Gray, ascii bool) []byte {
	var b bytes.Buffer
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	magic := "P5"
	if ascii {
		magic = "P2"
	}
	fmt.Fprintf(&b, "%s\n# written by the test\n%d %d\n255\n", magic, w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := g.GrayAt(g.Bounds().Min.X+x, g.Bounds().Min.Y+y).Y
			if ascii {
				fmt.Fprintf(&b, "%d ", v)
			} else {
				b.WriteByte(v)
			}
		}
		if ascii {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestPGMDecodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		data  string
		w, h  int
		gray  []uint8  // for 8-bit results
		gray6 []uint16 // for 16-bit results
	}{
		{"P5 8-bit", "P5 3 2 255\n\x00\x80\xff\x01\x02\x03", 3, 2, []uint8{0, 128, 255, 1, 2, 3}, nil},
		{"P2 with comments, maxval 15", "P2\n# a comment\n2 2 # size\n15\n0 15\n# mid\n5 10\n", 2, 2, []uint8{0, 255, 85, 170}, nil},
		{"P5 16-bit", "P5\n2 1\n65535\n\x12\x34\xff\xff", 2, 1, nil, []uint16{0x1234, 0xffff}},
		{"P5 maxval 1000", "P5 2 1 1000\n\x01\xf4\x03\xe8", 2, 1, nil, []uint16{32768, 65535}},
		{"P2 16-bit", "P2 1 2 4095 4095 0", 1, 2, nil, []uint16{65535, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := decodePGM(strings.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("size %v, want %dx%d", b, tc.w, tc.h)
			}
			switch g := img.(type) {
			case *image.Gray:
				if tc.gray == nil || !bytes.Equal(g.Pix, tc.gray) {
					t.Fatalf("pixels %v, want %v", g.Pix, tc.gray)
				}
			case *image.Gray16:
				for i, want := range tc.gray6 {
					if got := g.Gray16At(i%tc.w, i/tc.w).Y; got != want {
						t.Fatalf("pixel %d: %d, want %d", i, got, want)
					}
				}
				if tc.gray6 == nil {
					t.Fatal("a 16-bit image for an 8-bit maxval")
				}
			default:
				t.Fatalf("decoded a %T", img)
			}
		})
	}
}

func TestPGMErrors(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"", "pgm: unexpected EOF"},
		{"P6 1 1 255\n\x00\x00\x00", `magic "P6": only graymaps P2 and P5`},
		{"P5 0 4 255\n", "size 0x4"},
		{"P5 100000 100000 255\n", "size 100000x100000"},
		{"P5 2 2 0\n", "maxval 0"},
		{"P5 2 2 70000\n", "maxval 70000"},
		{"P5 2 2 255\n\x01\x02", "raster truncated: 2 of 4 bytes"},
		{"P5 2 1 100\n\x01\xff", "pixel 1 (x=1, y=0) is 255, above maxval 100"},
		{"P2 2 1 255\n1 x", `pixel 1 of 2: unexpected 'x'`},
		{"P2 2 1 255\n1", "pixel 1 of 2: unexpected EOF"},
		{"P5 2 x 255\n", `height: unexpected 'x'`},
		{"P5 2 1 2550000000000\n", "maxval: number 2550000000... is too long"},
		{"P5 1 1 255#c\n\x00", "no whitespace after maxval"},
	} {
		_, err := decodePGM(strings.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error containing %q", tc.data, err, tc.want)
		}
	}
}
