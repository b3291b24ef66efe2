package outbox

import (
	"bytes"
	"strings"
	"testing"
)

// image builds a file of n pages of 4096 bytes for verifyPages.
type image []byte

const testPage = 4096

func newImage(n int) image { return make(image, n*testPage) }

func (im image) header(id uint64, flags, count uint16, overflow uint32) {
	p := im[id*testPage:]
	ne.PutUint64(p, id)
	ne.PutUint16(p[8:], flags)
	ne.PutUint16(p[10:], count)
	ne.PutUint32(p[12:], overflow)
}

// branch makes page id a branch page pointing to children.
func (im image) branch(id uint64, children ...uint64) {
	im.header(id, branchPageFlag, uint16(len(children)), 0)
	p := im[id*testPage:]
	for i, c := range children {
		e := p[pageHeaderLen+i*elemLen:]
		ne.PutUint32(e, uint32(elemLen*(len(children)-i))) // key just past the elements
		ne.PutUint32(e[4:], 1)
		ne.PutUint64(e[8:], c)
	}
}

// leaf makes page id a leaf with one key and value; bucket marks the value
// as a bucket.
func (im image) leaf(id uint64, value []byte, bucket bool) {
	im.header(id, leafPageFlag, 1, 0)
	p := im[id*testPage:]
	e := p[pageHeaderLen:]
	if bucket {
		ne.PutUint32(e, bucketLeafFlag)
	}
	ne.PutUint32(e[4:], elemLen)
	ne.PutUint32(e[8:], 1)
	ne.PutUint32(e[12:], uint32(len(value)))
	copy(e[elemLen+1:], value)
}

func bucketValue(root uint64, inline []byte) []byte {
	v := make([]byte, bucketHdrLen, bucketHdrLen+len(inline))
	ne.PutUint64(v, root)
	return append(v, inline...)
}

func inlinePage(count uint16, elems ...uint32) []byte {
	p := make([]byte, pageHeaderLen+len(elems)*4+2) // and a key and a value of a byte
	ne.PutUint16(p[8:], leafPageFlag)
	ne.PutUint16(p[10:], count)
	for i, v := range elems {
		ne.PutUint32(p[pageHeaderLen+4*i:], v)
	}
	return p
}

func TestVerifyPages(t *testing.T) {
	cases := []struct {
		name  string
		build func(im image)
		want  string // "" when the image is sound
	}{
		{"sound", func(im image) {
			im.branch(2, 3, 4)
			im.leaf(3, []byte("v"), false)
			im.leaf(4, bucketValue(5, nil), true)
			im.leaf(5, bucketValue(0, inlinePage(1, 0, elemLen, 1, 1)), true)
		}, ""},
		{"cycle", func(im image) { im.branch(2, 3); im.branch(3, 2) }, "reached twice"},
		{"shared page", func(im image) { im.branch(2, 3, 3); im.leaf(3, nil, false) }, "reached twice"},
		{"overflow", func(im image) { im.branch(2, 3); im.header(3, leafPageFlag, 0, 0x80000000) }, "overflow"},
		{"beyond", func(im image) { im.branch(2, 3, 100); im.leaf(3, nil, false) }, "outside"},
		{"meta page", func(im image) { im.branch(2, 1) }, "outside"},
		{"wrong id", func(im image) { im.branch(2, 3); im.leaf(3, nil, false); ne.PutUint64(im[3*testPage:], 4) }, "header says"},
		{"type", func(im image) { im.header(2, 0x7, 0, 0) }, "page type"},
		{"count", func(im image) { im.header(2, leafPageFlag, 300, 0) }, "do not fit"},
		{"empty branch", func(im image) { im.header(2, branchPageFlag, 0, 0) }, "empty branch"},
		{"value past page", func(im image) {
			im.leaf(2, nil, false)
			ne.PutUint32(im[2*testPage+pageHeaderLen+12:], testPage)
		}, "past the page"},
		{"short bucket", func(im image) { im.leaf(2, []byte{1, 2, 3}, true) }, "bucket header"},
		{"bad inline", func(im image) { im.leaf(2, bucketValue(0, inlinePage(5)), true) }, "do not fit"},
		{"inline element past", func(im image) {
			im.leaf(2, bucketValue(0, inlinePage(1, 0, 1000, 1, 1)), true)
		}, "past the page"},
		{"deep", func(im image) {
			for id := uint64(2); id < 90; id++ {
				im.branch(id, id+1)
			}
			im.leaf(90, nil, false)
		}, "deeper"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			im := newImage(100)
			c.build(im)
			err := verifyPages(bytes.NewReader(im), testPage, 2, 100)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("sound image refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("verifyPages = %v, want an error with %q", err, c.want)
			}
		})
	}
}

// FuzzVerifyPages: any bytes, as pages, are accepted or refused, without a
// panic, in time proportional to their size.
func FuzzVerifyPages(f *testing.F) {
	im := newImage(6)
	im.branch(2, 3, 4)
	im.leaf(3, []byte("v"), false)
	im.leaf(4, bucketValue(5, nil), true)
	im.leaf(5, bucketValue(0, inlinePage(1, 0, elemLen, 1, 1)), true)
	f.Add([]byte(im), uint64(2))
	f.Add([]byte(im[:3*testPage]), uint64(2))
	f.Fuzz(func(t *testing.T, img []byte, root uint64) {
		_ = verifyPages(bytes.NewReader(img), 1024, root, uint64(len(img)/1024))
		_ = verifyPages(bytes.NewReader(img), testPage, root, uint64(len(img)/testPage))
	})
}
