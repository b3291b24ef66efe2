package sensor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileFormatFromTheName(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  bool
		want string
	}{
		{"a.csv", false, FormatCSV}, {"A.WAV", false, FormatWAV}, {"x.bin", false, FormatRaw}, {"x.raw", false, FormatRaw},
		{"p.jpeg", false, FormatImages}, {"p.pgm", false, FormatImages}, {"frames", true, FormatImages},
	} {
		got, err := guessFormat(tc.name, tc.dir)
		if err != nil || got != tc.want {
			t.Errorf("guessFormat(%q, %v) = %q, %v; want %q", tc.name, tc.dir, got, err, tc.want)
		}
	}
	if _, err := guessFormat("data.parquet", false); err == nil || !strings.Contains(err.Error(), "set format") {
		t.Errorf("unknown extension: %v", err)
	}
}

func TestFileConfigErrors(t *testing.T) {
	dir := t.TempDir()
	csv := writeFile(t, dir, "a.csv", []byte("v\n1\n"))
	for _, tc := range []struct {
		opts FileOptions
		want string
	}{
		{FileOptions{}, "the path is empty"},
		{FileOptions{Path: filepath.Join(dir, "missing.csv")}, "no such file"},
		{FileOptions{Path: dir, Format: FormatCSV}, "is a folder: only the images format"},
		{FileOptions{Path: csv, Format: "parquet"}, `unknown format "parquet"`},
		{FileOptions{Path: writeFile(t, dir, "data.xyz", nil)}, "cannot tell the format"},
		{FileOptions{Path: csv, Format: FormatRaw, Columns: []string{"v"}}, "columns apply to the csv format only, not raw"},
		{FileOptions{Path: csv, TensorBytes: 4}, "tensor_bytes applies to the raw format only, not csv"},
	} {
		_, err := New(Spec{Name: "f", Type: TypeFile, File: tc.opts}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `sensor "f": file:`) {
			t.Errorf("%+v: %v, want an error containing %q", tc.opts, err, tc.want)
		}
	}
}

func TestFileLoopOverNothingFails(t *testing.T) {
	// A CSV whose rows vanished after the sensor was built: looping over
	// nothing must end with an error, not spin.
	path := writeFile(t, t.TempDir(), "a.csv", []byte("v\n1\n"))
	s := mustNew(t, Spec{Name: "f", Type: TypeFile, File: FileOptions{Path: path, Loop: true}})
	if err := os.WriteFile(path, []byte("v\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runAll(t, s); err == nil || !strings.Contains(err.Error(), "holds no samples") {
		t.Fatalf("Run = %v, want an error", err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := runAll(t, s); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("Run of a removed file = %v, want an error", err)
	}
}
