package sensor

import (
	"bytes"
	"strings"
	"testing"
)

func TestRawTensors(t *testing.T) {
	data := []byte("abcdefghijkl")
	path := writeFile(t, t.TempDir(), "inputs.bin", data)
	s := mustNew(t, Spec{Name: "raw", Type: TypeFile, File: FileOptions{Path: path, TensorBytes: 4}})
	if s.Channels() != nil {
		t.Fatalf("a raw sensor has channels %v", s.Channels())
	}
	got, err := runAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d samples, want 3", len(got))
	}
	for i, smp := range got {
		if !bytes.Equal(smp.Raw, data[4*i:4*i+4]) || smp.Values != nil || smp.Image != nil {
			t.Errorf("sample %d: %q, want %q", i, smp.Raw, data[4*i:4*i+4])
		}
	}
	// Samples do not share memory: the consumer may keep them.
	got[0].Raw[0] = 'X'
	if got[1].Raw[0] != 'e' {
		t.Error("samples share a buffer")
	}

	whole := mustNew(t, Spec{Name: "raw", Type: TypeFile, Fast: true, File: FileOptions{Path: path, Format: FormatRaw, Loop: true}})
	got, err = collect(t, whole, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, smp := range got {
		if !bytes.Equal(smp.Raw, data) {
			t.Errorf("loop %d: %q, want the whole file", i, smp.Raw)
		}
	}
}

func TestRawErrors(t *testing.T) {
	dir := t.TempDir()
	ten := writeFile(t, dir, "ten.raw", make([]byte, 10))
	empty := writeFile(t, dir, "empty.raw", nil)
	for _, tc := range []struct {
		path  string
		bytes int
		want  string
	}{
		{ten, 4, "is 10 bytes, not a multiple of tensor_bytes 4"},
		{ten, -1, "tensor_bytes -1"},
		{empty, 0, "is empty"},
	} {
		_, err := New(Spec{Name: "raw", Type: TypeFile, File: FileOptions{Path: tc.path, TensorBytes: tc.bytes}}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %d: %v, want an error containing %q", tc.path, tc.bytes, err, tc.want)
		}
	}
}
