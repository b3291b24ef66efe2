package outbox

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// seedImage is a small outbox file: records in two classes, some removed.
func seedImage(tb testing.TB) []byte {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "seed.db")
	b, err := Open(path, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range 40 {
		class := []string{"predictions", "metrics"}[i%2]
		if _, err := b.Append(context.Background(), class, payload(class, i, 20+i*40)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := b.Remove("metrics", 1, 5); err != nil {
		tb.Fatal(err)
	}
	if err := b.Close(); err != nil {
		tb.Fatal(err)
	}
	img, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// FuzzOpenDamaged writes bytes into a valid outbox file, past its two
// checksummed meta pages (bbolt checks nothing else), and opens it: Open
// must refuse the file or serve it, never panic or crash the process (bbolt
// panics on damaged pages, in goroutines of its own when it rebuilds the
// freelist). A file that opens must pass Check or report why not, and
// serve every operation without a panic.
func FuzzOpenDamaged(f *testing.F) {
	img := seedImage(f)
	const pageSize = 4096
	f.Add(uint32(2*pageSize), []byte{0xFF, 0xFF, 0xFF, 0xFF})
	f.Add(uint32(2*pageSize+8), []byte{0x02, 0x00})  // page flags: a leaf
	f.Add(uint32(3*pageSize+8), []byte{0x01, 0x00})  // page flags: a branch
	f.Add(uint32(3*pageSize+10), []byte{0xFF, 0x7F}) // element count
	f.Add(uint32(4*pageSize+16), []byte{0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x00})
	f.Add(uint32(5*pageSize+100), []byte("garbage in a record"))
	f.Fuzz(func(t *testing.T, off uint32, data []byte) {
		if len(data) == 0 || len(data) > 256 {
			return
		}
		damaged := append([]byte(nil), img...)
		pos := 2*pageSize + int(off%uint32(len(img)-2*pageSize))
		copy(damaged[pos:], data)
		path := filepath.Join(t.TempDir(), "outbox.db")
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := Open(path, Options{})
		if err != nil {
			return // refused: fine
		}
		defer b.Close()
		_ = b.Check()
		for _, c := range b.Classes() {
			_, _ = b.Peek(c.Name, 0, 0, 0)
			_, _ = b.Peek(c.Name, binary.BigEndian.Uint64(append(make([]byte, 8-min(8, len(data))), data[:min(8, len(data))]...)), 3, 100)
			_ = b.Remove(c.Name, 1, 3)
			_, _ = b.Append(context.Background(), c.Name, data)
		}
		_, _ = b.Expire()
		_ = b.Check()
	})
}
