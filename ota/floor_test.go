package ota

import (
	"path/filepath"
	"testing"
)

func TestFloor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "floor.db")
	f, err := OpenFloor(path)
	if err != nil {
		t.Fatal(err)
	}
	get := func(f *Floor, kind, name string) int64 {
		t.Helper()
		v, err := f.Get(kind, name)
		if err != nil {
			t.Fatalf("Get(%s, %s): %v", kind, name, err)
		}
		return v
	}
	if v := get(f, KindModel, "detector"); v != 0 {
		t.Fatalf("empty floor: %d", v)
	}
	for _, v := range []int64{3, 7, 5} {
		if err := f.Raise(KindModel, "detector", v); err != nil {
			t.Fatalf("Raise %d: %v", v, err)
		}
	}
	if v := get(f, KindModel, "detector"); v != 7 {
		t.Fatalf("floor after 3, 7, 5: %d, want 7 (never lowered)", v)
	}
	if v := get(f, KindAgent, "detector"); v != 0 {
		t.Fatalf("kinds are separate: agent floor %d", v)
	}
	if err := f.Raise(KindAgent, "edge-agent", 2); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]string{{"firmware", "x"}, {KindModel, ""}, {KindModel, "a/b"}} {
		if err := f.Raise(bad[0], bad[1], 1); err == nil {
			t.Errorf("Raise(%q, %q) accepted", bad[0], bad[1])
		}
		if _, err := f.Get(bad[0], bad[1]); err == nil {
			t.Errorf("Get(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if err := f.Raise(KindModel, "detector", 0); err == nil {
		t.Errorf("Raise to 0 accepted")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// The floor survives a reopen (the device restarted, the model was removed).
	f, err = OpenFloor(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v := get(f, KindModel, "detector"); v != 7 {
		t.Fatalf("reopened floor: %d, want 7", v)
	}
	if v := get(f, KindAgent, "edge-agent"); v != 2 {
		t.Fatalf("reopened agent floor: %d, want 2", v)
	}
	if _, err := OpenFloor(filepath.Join(t.TempDir(), "no", "such", "dir", "f.db")); err == nil {
		t.Errorf("OpenFloor in a missing folder succeeded")
	}
}
