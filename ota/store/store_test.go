package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const testModel = "kws.v2"

// modelBytes is the primary file of a test version: distinct per version,
// larger than one page.
func modelBytes(version int64) []byte {
	b := make([]byte, 20_000+int(version))
	for i := range b {
		b[i] = byte(int64(i)*31 + version*7)
	}
	return b
}

// labelsBytes is a second file of a test version.
func labelsBytes(version int64) []byte {
	return []byte(fmt.Sprintf("yes\nno\nversion %d\n", version))
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func openStore(t *testing.T, root string) *Store {
	t.Helper()
	s, err := Open(root)
	if err != nil {
		t.Fatalf("Open(%s): %v", root, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// stage writes a test version's files into a fresh staging folder.
func stage(t *testing.T, s *Store, version int64) string {
	t.Helper()
	dir, _, err := s.StagingDir()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "model.tflite"), modelBytes(version))
	if err := os.Mkdir(filepath.Join(dir, "extra"), 0o750); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "extra", "labels.txt"), labelsBytes(version))
	return dir
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}

// install stages and installs a test version.
func install(t *testing.T, s *Store, version int64) string {
	t.Helper()
	dir, err := s.Install(testModel, version, stage(t, s, version), Meta{Primary: "model.tflite", Source: "key-1"})
	if err != nil {
		t.Fatalf("Install %d: %v", version, err)
	}
	return dir
}

func activate(t *testing.T, s *Store, version, wantPrev int64) {
	t.Helper()
	prev, err := s.Activate(testModel, version)
	if err != nil {
		t.Fatalf("Activate %d: %v", version, err)
	}
	if prev != wantPrev {
		t.Fatalf("Activate %d returned previous %d, want %d", version, prev, wantPrev)
	}
}

// wantActive checks the active and previous versions (0: none).
func wantActive(t *testing.T, s *Store, active, previous int64) {
	t.Helper()
	v, ok := s.Active(testModel)
	switch {
	case active == 0 && ok:
		t.Fatalf("active version %d, want none", v.Version)
	case active != 0 && !ok:
		t.Fatalf("no active version, want %d", active)
	case active != 0 && v.Version != active:
		t.Fatalf("active version %d, want %d", v.Version, active)
	}
	p, ok := s.Previous(testModel)
	switch {
	case previous == 0 && ok:
		t.Fatalf("previous version %d, want none", p.Version)
	case previous != 0 && (!ok || p.Version != previous):
		t.Fatalf("previous version %d (%v), want %d", p.Version, ok, previous)
	}
}

// checkVersion checks that a Version's files are the test version's,
// complete, and that its meta agrees.
func checkVersion(t *testing.T, v Version) {
	t.Helper()
	b, err := os.ReadFile(v.Primary)
	if err != nil {
		t.Fatalf("version %d: %v", v.Version, err)
	}
	if !bytes.Equal(b, modelBytes(v.Version)) {
		t.Fatalf("version %d: primary file has %d bytes of other content", v.Version, len(b))
	}
	if v.Meta.SHA256 != sum(b) || v.Meta.Size != int64(len(b)) {
		t.Fatalf("version %d: meta says sha256 %s size %d, file has %s %d", v.Version, v.Meta.SHA256, v.Meta.Size, sum(b), len(b))
	}
	if v.Meta.Name != testModel || v.Meta.Version != v.Version || v.Meta.Primary != "model.tflite" || v.Meta.Source != "key-1" {
		t.Fatalf("version %d: meta %+v", v.Version, v.Meta)
	}
	if v.Primary != filepath.Join(v.Dir, "model.tflite") || filepath.Base(v.Dir) != fmt.Sprint(v.Version) {
		t.Fatalf("version %d: dir %s primary %s", v.Version, v.Dir, v.Primary)
	}
	l, err := os.ReadFile(filepath.Join(v.Dir, "extra", "labels.txt"))
	if err != nil || !bytes.Equal(l, labelsBytes(v.Version)) {
		t.Fatalf("version %d: labels %q, %v", v.Version, l, err)
	}
	onDisk, err := os.ReadFile(filepath.Join(v.Dir, metaFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseMeta(onDisk)
	if err != nil {
		t.Fatalf("version %d: meta.json: %v", v.Version, err)
	}
	if m.SHA256 != v.Meta.SHA256 || m.Version != v.Version {
		t.Fatalf("version %d: meta.json %+v, store says %+v", v.Version, m, v.Meta)
	}
}

func versionNumbers(vs []Version) []int64 {
	var out []int64
	for _, v := range vs {
		out = append(out, v.Version)
	}
	return out
}

func TestInstallActivateRollback(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	s := openStore(t, root)
	for _, p := range []string{root, filepath.Join(root, stagingName)} {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			t.Fatalf("Open did not create %s: %v", p, err)
		}
	}
	if _, ok := s.Active(testModel); ok {
		t.Fatal("empty store has an active version")
	}
	if got := s.Names(); len(got) != 0 {
		t.Fatalf("Names of an empty store: %q", got)
	}

	dir := install(t, s, 1)
	if want := filepath.Join(s.Root(), testModel, "1"); dir != want {
		t.Fatalf("Install returned %s, want %s", dir, want)
	}
	wantActive(t, s, 0, 0) // Install does not activate
	if _, err := os.Stat(filepath.Join(root, testModel, stateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Install wrote state.json: %v", err)
	}
	activate(t, s, 1, 0)
	wantActive(t, s, 1, 0)
	if _, err := s.Rollback(testModel); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("Rollback with no previous: %v, want ErrNoPrevious", err)
	}

	install(t, s, 2)
	install(t, s, 3)
	activate(t, s, 2, 1)
	wantActive(t, s, 2, 1)
	activate(t, s, 2, 2) // no change
	wantActive(t, s, 2, 1)
	activate(t, s, 3, 2)
	wantActive(t, s, 3, 2)
	to, err := s.Rollback(testModel)
	if err != nil || to != 2 {
		t.Fatalf("Rollback: %d, %v; want 2", to, err)
	}
	wantActive(t, s, 2, 0)
	if _, err := s.Rollback(testModel); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("second Rollback: %v, want ErrNoPrevious", err)
	}
	activate(t, s, 1, 2)
	wantActive(t, s, 1, 2)
	if _, err := s.Activate(testModel, 9); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Activate of a version not installed: %v", err)
	}
	if _, err := s.Activate("other", 1); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Activate of a model not installed: %v", err)
	}
	wantActive(t, s, 1, 2)

	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("Versions: %v", got)
	}
	for _, v := range s.Versions(testModel) {
		checkVersion(t, v)
		if err := s.Verify(testModel, v.Version); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Names(); !slices.Equal(got, []string{testModel}) {
		t.Fatalf("Names: %q", got)
	}
	// The staged folders were moved, not copied.
	if ents, _ := os.ReadDir(filepath.Join(root, stagingName)); len(ents) != 0 {
		t.Fatalf("staging not empty after installs: %v", ents)
	}

	// The state survives a reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activate(testModel, 2); !errors.Is(err, ErrClosed) {
		t.Fatalf("Activate after Close: %v", err)
	}
	s = openStore(t, root)
	wantActive(t, s, 1, 2)
	if r := s.OpenReport(); len(r.Removed)+len(r.Problems) != 0 {
		t.Fatalf("clean reopen reported %+v", r)
	}
	raw, err := os.ReadFile(filepath.Join(root, testModel, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := parseState(raw); err != nil || st != (state{Active: 1, Previous: 2}) {
		t.Fatalf("state.json %s: %+v, %v", raw, st, err)
	}
	to, err = s.Rollback(testModel)
	if err != nil || to != 2 {
		t.Fatalf("Rollback after reopen: %d, %v", to, err)
	}
	wantActive(t, s, 2, 0)
}

// TestDeactivate leaves a model with no active version, keeps its
// versions, survives a reopen and can be undone by Activate.
func TestDeactivate(t *testing.T) {
	root := filepath.Join(t.TempDir(), "models")
	s := openStore(t, root)
	if was, err := s.Deactivate(testModel); err != nil || was != 0 {
		t.Fatalf("Deactivate of a model not installed: %d, %v", was, err)
	}
	install(t, s, 1)
	install(t, s, 2)
	activate(t, s, 1, 0)
	activate(t, s, 2, 1)
	was, err := s.Deactivate(testModel)
	if err != nil || was != 2 {
		t.Fatalf("Deactivate: %d, %v; want 2", was, err)
	}
	wantActive(t, s, 0, 0)
	if _, err := os.Stat(filepath.Join(root, testModel, stateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state.json after Deactivate: %v", err)
	}
	if _, err := s.Rollback(testModel); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("Rollback after Deactivate: %v, want ErrNoPrevious", err)
	}
	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("Versions after Deactivate: %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, root)
	wantActive(t, s, 0, 0)
	activate(t, s, 1, 0)
	wantActive(t, s, 1, 0)
	if _, err := s.Deactivate("../x"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Deactivate of a bad name: %v", err)
	}
}

func TestInstallMeta(t *testing.T) {
	s := openStore(t, t.TempDir())
	self := json.RawMessage(`{"accuracy": 0.93, "cases": [1, 2]}`)
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	staged := stage(t, s, 4)
	if _, err := s.Install(testModel, 4, staged, Meta{Primary: "model.tflite", Source: "key-1", SHA256: sum(modelBytes(4)), SelfTest: self, Installed: at}); err != nil {
		t.Fatal(err)
	}
	vs := s.Versions(testModel)
	if len(vs) != 1 {
		t.Fatalf("Versions: %v", vs)
	}
	m := vs[0].Meta
	if !m.Installed.Equal(at) || m.Size != int64(len(modelBytes(4))) || m.SHA256 != sum(modelBytes(4)) {
		t.Fatalf("meta %+v", m)
	}
	var got, want any
	if err := json.Unmarshal(m.SelfTest, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(self, &want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("self test %s, want %s", m.SelfTest, self)
	}
	// Callers cannot change the store's copy.
	vs[0].Meta.SelfTest[0] = 'X'
	if s.Versions(testModel)[0].Meta.SelfTest[0] == 'X' {
		t.Fatal("Versions shares SelfTest with the store")
	}
	// Installed is set when not given.
	s.now = func() time.Time { return at.Add(time.Hour) }
	install(t, s, 5)
	if m := s.Versions(testModel)[1].Meta; !m.Installed.Equal(at.Add(time.Hour)) {
		t.Fatalf("Installed %v, want %v", m.Installed, at.Add(time.Hour))
	}
}

func TestInstallExisting(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	install(t, s, 1)
	activate(t, s, 1, 0)
	before := s.Versions(testModel)[0].Meta

	// Same content: accepted, the staged copy discarded, meta kept.
	staged := stage(t, s, 1)
	dir, err := s.Install(testModel, 1, staged, Meta{Primary: "model.tflite", Source: "key-2"})
	if err != nil {
		t.Fatalf("reinstall with the same sha256: %v", err)
	}
	if dir != filepath.Join(s.Root(), testModel, "1") {
		t.Fatalf("reinstall returned %s", dir)
	}
	if _, err := os.Stat(staged); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staged copy left behind: %v", err)
	}
	if after := s.Versions(testModel)[0].Meta; after.Source != before.Source || !after.Installed.Equal(before.Installed) {
		t.Fatalf("reinstall changed meta: %+v -> %+v", before, after)
	}

	// Other content under the same version: refused, nothing changed.
	staged = stage(t, s, 2)
	_, err = s.Install(testModel, 1, staged, Meta{Primary: "model.tflite", Source: "key-1"})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("reinstall with another sha256: %v, want ErrConflict", err)
	}
	if _, serr := os.Stat(staged); serr != nil {
		t.Fatalf("refused Install removed the staged folder: %v", serr)
	}
	wantActive(t, s, 1, 0)
	checkVersion(t, s.Versions(testModel)[0])
	if err := s.Verify(testModel, 1); err != nil {
		t.Fatal(err)
	}
}

func TestInstallRefused(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	good := Meta{Primary: "model.tflite"}

	for _, name := range []string{"", ".", "..", "staging", "a/b", "../x", "a b", "é", strings.Repeat("a", 65), "x\x00"} {
		if _, err := s.Install(name, 1, stage(t, s, 1), good); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Install(%q): %v, want ErrInvalidName", name, err)
		}
		if _, err := s.Activate(name, 1); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Activate(%q): %v, want ErrInvalidName", name, err)
		}
		if _, err := s.Rollback(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Rollback(%q): %v, want ErrInvalidName", name, err)
		}
		if err := s.Prune(name, 0); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Prune(%q): %v, want ErrInvalidName", name, err)
		}
		if _, ok := s.Active(name); ok {
			t.Errorf("Active(%q) found a version", name)
		}
	}
	for _, name := range []string{"a", strings.Repeat("Z", 64), ".hidden", "m-1_2.3"} {
		if err := validName(name); err != nil {
			t.Errorf("validName(%q): %v", name, err)
		}
	}
	for _, v := range []int64{0, -1, -1 << 63} {
		if _, err := s.Install(testModel, v, stage(t, s, 1), good); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("Install version %d: %v, want ErrInvalidVersion", v, err)
		}
		if _, err := s.Activate(testModel, v); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("Activate version %d: %v, want ErrInvalidVersion", v, err)
		}
	}
	for _, p := range []string{"", ".", "..", "../model.tflite", "sub/model.tflite", "meta.json", "meta.json.tmp"} {
		if _, err := s.Install(testModel, 1, stage(t, s, 1), Meta{Primary: p}); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Install with primary %q: %v, want ErrInvalidName", p, err)
		}
	}

	cases := []struct {
		name  string
		setup func(dir string) (string, Meta) // returns the staged folder to pass
		want  string
	}{
		{"missing primary", func(dir string) (string, Meta) {
			return dir, Meta{Primary: "other.tflite"}
		}, "other.tflite"},
		{"primary is a folder", func(dir string) (string, Meta) {
			return dir, Meta{Primary: "extra"}
		}, "not a regular file"},
		{"wrong sha256", func(dir string) (string, Meta) {
			return dir, Meta{Primary: "model.tflite", SHA256: sum([]byte("other"))}
		}, "expected"},
		{"malformed sha256", func(dir string) (string, Meta) {
			return dir, Meta{Primary: "model.tflite", SHA256: "ABC"}
		}, "sha256"},
		{"meta names another model", func(dir string) (string, Meta) {
			return dir, Meta{Primary: "model.tflite", Name: "other"}
		}, "other"},
		{"meta names another version", func(dir string) (string, Meta) {
			return dir, Meta{Primary: "model.tflite", Version: 7}
		}, "version 7"},
		{"symlink in staged tree", func(dir string) (string, Meta) {
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "extra", "link")); err != nil {
				t.Fatal(err)
			}
			return dir, good
		}, "not a regular file or folder"},
		{"staged meta.json", func(dir string) (string, Meta) {
			writeFile(t, filepath.Join(dir, metaFile), []byte("{}"))
			return dir, good
		}, "reserved"},
		{"folder outside staging", func(string) (string, Meta) {
			other := t.TempDir()
			writeFile(t, filepath.Join(other, "model.tflite"), modelBytes(1))
			return other, good
		}, "is not a folder of"},
		{"staging itself", func(string) (string, Meta) {
			return filepath.Join(root, stagingName), good
		}, "is not a folder of"},
		{"escaping path", func(dir string) (string, Meta) {
			return filepath.Join(dir, "..", "..", testModel), good
		}, "is not a folder of"},
		{"staged folder gone", func(dir string) (string, Meta) {
			_ = os.RemoveAll(dir)
			return dir, good
		}, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			staged, meta := c.setup(stage(t, s, 1))
			_, err := s.Install(testModel, 1, staged, meta)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Install: %v, want an error containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "install "+testModel+" version 1") {
				t.Fatalf("error %q does not name the install", err)
			}
			if vs := s.Versions(testModel); len(vs) != 0 {
				t.Fatalf("refused Install installed %v", versionNumbers(vs))
			}
			if _, err := os.Stat(filepath.Join(root, testModel, "1")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("refused Install left a version folder: %v", err)
			}
		})
	}
}

func TestPrune(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	for v := int64(1); v <= 6; v++ {
		install(t, s, v)
	}
	activate(t, s, 2, 0)
	activate(t, s, 1, 2) // active 1, previous 2: both old
	if err := s.Prune(testModel, -1); err == nil {
		t.Fatal("Prune with keep -1 accepted")
	}
	if err := s.Prune(testModel, 2); err != nil {
		t.Fatal(err)
	}
	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2, 5, 6}) {
		t.Fatalf("after Prune keep 2: %v, want [1 2 5 6]", got)
	}
	for _, v := range []string{"3", "4"} {
		if _, err := os.Stat(filepath.Join(root, testModel, v)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("pruned version %s still on disk: %v", v, err)
		}
	}
	if err := s.Prune(testModel, 0); err != nil {
		t.Fatal(err)
	}
	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("after Prune keep 0: %v, want [1 2]", got)
	}
	wantActive(t, s, 1, 2)
	for _, v := range s.Versions(testModel) {
		checkVersion(t, v)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, stagingName)); len(ents) != 0 {
		t.Fatalf("staging not empty after Prune: %v", ents)
	}
	if err := s.Prune("unknown", 0); err != nil {
		t.Fatalf("Prune of an unknown model: %v", err)
	}
	s.Close()
	s = openStore(t, root)
	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("after reopen: %v, want [1 2]", got)
	}
	wantActive(t, s, 1, 2)
}

func TestLocked(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	if _, err := Open(root); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	openStore(t, root)
}

func TestStagingDir(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	a, cleanA, err := s.StagingDir()
	if err != nil {
		t.Fatal(err)
	}
	b, cleanB, err := s.StagingDir()
	if err != nil {
		t.Fatal(err)
	}
	if a == b || filepath.Dir(a) != filepath.Join(s.Root(), stagingName) {
		t.Fatalf("staging folders %s and %s", a, b)
	}
	writeFile(t, filepath.Join(a, "f"), []byte("x"))
	cleanA()
	if _, err := os.Stat(a); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("cleanup left %s: %v", a, err)
	}
	cleanB()
	// Cleanup after Install is harmless.
	staged := stage(t, s, 1)
	if _, err := s.Install(testModel, 1, staged, Meta{Primary: "model.tflite", Source: "key-1"}); err != nil {
		t.Fatal(err)
	}
	checkVersion(t, s.Versions(testModel)[0])
}

// TestOpenRecovers builds the leftovers of interrupted changes and some
// damage by hand and checks what Open removes and reports.
func TestOpenRecovers(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	for v := int64(1); v <= 3; v++ {
		install(t, s, v)
	}
	activate(t, s, 1, 0)
	activate(t, s, 2, 1)
	s.Close()

	md := filepath.Join(root, testModel)
	// Leftovers of killed changes.
	must(t, os.MkdirAll(filepath.Join(root, stagingName, "stage-1", "sub"), 0o750))
	writeFile(t, filepath.Join(root, stagingName, "stray"), nil)
	must(t, os.Mkdir(filepath.Join(md, "7"), 0o750)) // moved, no meta.json
	writeFile(t, filepath.Join(md, "7", "model.tflite"), modelBytes(7))
	must(t, os.Mkdir(filepath.Join(md, "8"), 0o750)) // meta.json still temporary
	writeFile(t, filepath.Join(md, "8", metaFile+tmpSuffix), []byte("{"))
	writeFile(t, filepath.Join(md, stateFile+tmpSuffix), []byte(`{"active": 3`))
	must(t, os.Mkdir(filepath.Join(root, "fresh"), 0o750)) // first install killed before the move
	// Damage.
	writeFile(t, filepath.Join(md, "3", metaFile), []byte(`{"name": "kws.v2"`))
	must(t, os.Mkdir(filepath.Join(md, "9"), 0o750))
	writeFile(t, filepath.Join(md, "9", metaFile), mustMeta(t, Meta{Name: testModel, Version: 4, SHA256: sum(nil), Primary: "m"}))
	writeFile(t, filepath.Join(md, "9", "m"), nil)
	// Not the store's: left alone.
	writeFile(t, filepath.Join(root, "README"), []byte("hi"))
	must(t, os.Mkdir(filepath.Join(md, "007"), 0o750))
	must(t, os.Mkdir(filepath.Join(root, "bad name"), 0o750))

	s = openStore(t, root)
	r := s.OpenReport()
	wantRemoved := []string{
		filepath.Join(root, stagingName, "stage-1"), filepath.Join(root, stagingName, "stray"),
		filepath.Join(md, "7"), filepath.Join(md, "8"), filepath.Join(md, stateFile+tmpSuffix),
		filepath.Join(root, "fresh"), filepath.Join(md, "3"), filepath.Join(md, "9"),
	}
	for _, p := range wantRemoved {
		if !slices.Contains(r.Removed, p) {
			t.Errorf("Removed %q lacks %s", r.Removed, p)
		}
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there: %v", p, err)
		}
	}
	if len(r.Removed) != len(wantRemoved) {
		t.Errorf("Removed %q, want %d entries", r.Removed, len(wantRemoved))
	}
	// The damaged versions are problems; the interrupted installs are not.
	probs := fmt.Sprint(r.Problems)
	for _, want := range []string{filepath.Join(md, "3", metaFile), filepath.Join(md, "9", metaFile) + ": corrupt: names kws.v2 version 4", filepath.Join(root, "README")} {
		if !strings.Contains(probs, want) {
			t.Errorf("Problems %s lack %q", probs, want)
		}
	}
	if len(r.Problems) != 3 {
		t.Errorf("Problems: %d, want 3: %s", len(r.Problems), probs)
	}
	for _, p := range []string{filepath.Join(root, "README"), filepath.Join(md, "007"), filepath.Join(root, "bad name")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("Open removed %s, not the store's: %v", p, err)
		}
	}
	wantActive(t, s, 2, 1)
	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("Versions %v, want [1 2]", got)
	}
	if got := s.Names(); !slices.Equal(got, []string{testModel}) {
		t.Fatalf("Names %q", got)
	}
	s.Close()
	// A second Open finds nothing more to do.
	s = openStore(t, root)
	if r := s.OpenReport(); len(r.Removed) != 0 || len(r.Problems) != 1 { // README again
		t.Fatalf("second Open reported %+v", r)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustMeta(t *testing.T, m Meta) []byte {
	t.Helper()
	b, err := encodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorruptState(t *testing.T) {
	for _, c := range []struct {
		name, state string
		want        string
	}{
		{"garbage", "\x00\xffnot json", "invalid character"},
		{"truncated", `{"active": 2, "prev`, "unexpected end"},
		{"empty", "", "unexpected end"},
		{"null", "null", "active version 0"},
		{"no active", `{"previous": 1}`, "active version 0"},
		{"negative previous", `{"active": 2, "previous": -1}`, "previous version -1"},
		{"previous is active", `{"active": 2, "previous": 2}`, "is the active one"},
		{"wrong type", `{"active": "2"}`, "cannot unmarshal"},
		{"trailing data", `{"active": 2}{}`, "invalid character"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			s := openStore(t, root)
			install(t, s, 1)
			install(t, s, 2)
			activate(t, s, 1, 0)
			activate(t, s, 2, 1)
			s.Close()
			sp := filepath.Join(root, testModel, stateFile)
			writeFile(t, sp, []byte(c.state))

			s = openStore(t, root)
			r := s.OpenReport()
			if len(r.Problems) != 1 {
				t.Fatalf("Problems %v, want one", r.Problems)
			}
			msg := r.Problems[0].Error()
			if !strings.Contains(msg, sp) || !strings.Contains(msg, c.want) || !errors.Is(r.Problems[0], ErrCorrupt) {
				t.Fatalf("problem %q: want ErrCorrupt naming %s and %q", msg, sp, c.want)
			}
			wantActive(t, s, 0, 0)
			if got, err := os.ReadFile(sp + corruptExt); err != nil || string(got) != c.state {
				t.Fatalf("corrupt state not kept aside: %q, %v", got, err)
			}
			if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, []int64{1, 2}) {
				t.Fatalf("Versions %v", got)
			}
			// The next Activate starts afresh.
			activate(t, s, 2, 0)
			s.Close()
			s = openStore(t, root)
			wantActive(t, s, 2, 0)
			if r := s.OpenReport(); len(r.Problems) != 0 {
				t.Fatalf("after Activate, Open reported %v", r.Problems)
			}
		})
	}
}

func TestStateNamesMissingVersion(t *testing.T) {
	root := t.TempDir()
	s := openStore(t, root)
	install(t, s, 1)
	install(t, s, 2)
	activate(t, s, 1, 0)
	activate(t, s, 2, 1)
	s.Close()
	sp := filepath.Join(root, testModel, stateFile)

	// The previous version disappeared: dropped.
	must(t, os.RemoveAll(filepath.Join(root, testModel, "1")))
	s = openStore(t, root)
	wantActive(t, s, 2, 0)
	if r := s.OpenReport(); len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Error(), "previous version 1 is not installed") {
		t.Fatalf("Problems %v", r.Problems)
	}
	if b, _ := os.ReadFile(sp); !bytes.Contains(b, []byte(`"previous":0`)) {
		t.Fatalf("state.json not rewritten: %s", b)
	}
	s.Close()

	// The active version disappeared: no active version.
	writeFile(t, sp, []byte(`{"active": 5, "previous": 2}`))
	s = openStore(t, root)
	wantActive(t, s, 0, 0)
	if r := s.OpenReport(); len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Error(), "active version 5 is not installed") {
		t.Fatalf("Problems %v", r.Problems)
	}
	if _, err := os.Stat(sp); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state.json naming a missing version kept: %v", err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	s := openStore(t, t.TempDir())
	install(t, s, 1)
	v := s.Versions(testModel)[0]
	b := modelBytes(1)
	b[100] ^= 1
	writeFile(t, v.Primary, b)
	err := s.Verify(testModel, 1)
	if err == nil || !strings.Contains(err.Error(), v.Primary) {
		t.Fatalf("Verify of a changed file: %v", err)
	}
	if err := s.Verify(testModel, 2); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("Verify of a missing version: %v", err)
	}
}

func TestOpenDamagedRoot(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, nil)
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("Open of a file: %v", err)
	}
	root := filepath.Join(dir, "root")
	must(t, os.Mkdir(root, 0o750))
	writeFile(t, filepath.Join(root, stagingName), nil)
	if _, err := Open(root); err == nil || !strings.Contains(err.Error(), "staging") {
		t.Fatalf("Open with staging a file: %v", err)
	}
	if os.Geteuid() != 0 {
		root2 := filepath.Join(dir, "root2")
		s := openStore(t, root2)
		install(t, s, 1)
		s.Close()
		md := filepath.Join(root2, testModel)
		must(t, os.Chmod(md, 0))
		defer os.Chmod(md, 0o750)
		if _, err := Open(root2); err == nil || !strings.Contains(err.Error(), md) {
			t.Fatalf("Open with an unreadable model folder: %v", err)
		}
	}
}

func TestStateAndMetaFormat(t *testing.T) {
	b, err := encodeState(state{Active: 3, Previous: 2})
	if err != nil || string(b) != "{\"active\":3,\"previous\":2}\n" {
		t.Fatalf("encodeState: %q, %v", b, err)
	}
	if _, err := encodeState(state{Active: 0}); err == nil {
		t.Fatal("encodeState accepted active 0")
	}
	m := Meta{Name: "m", Version: 1, SHA256: sum(nil), Primary: "p", Size: 0}
	b, err = encodeMeta(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseMeta(b)
	if err != nil || got.Name != "m" || got.SHA256 != m.SHA256 {
		t.Fatalf("parseMeta: %+v, %v", got, err)
	}
	for _, bad := range []string{
		`{"name":"m","version":1,"sha256":"` + strings.ToUpper(sum(nil)) + `","primary":"p"}`,
		`{"name":"m","version":0,"sha256":"` + sum(nil) + `","primary":"p"}`,
		`{"name":"staging","version":1,"sha256":"` + sum(nil) + `","primary":"p"}`,
		`{"name":"m","version":1,"sha256":"` + sum(nil) + `","primary":"../p"}`,
		`{"name":"m","version":1,"sha256":"` + sum(nil) + `","primary":"p","size":-1}`,
	} {
		if _, err := parseMeta([]byte(bad)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("parseMeta(%s): %v, want ErrCorrupt", bad, err)
		}
	}
	for _, s := range []string{"0", "-1", "01", "+1", "1a", "", "99999999999999999999"} {
		if _, ok := parseVersionDir(s); ok {
			t.Errorf("parseVersionDir(%q) accepted", s)
		}
	}
	if v, ok := parseVersionDir("42"); !ok || v != 42 {
		t.Errorf("parseVersionDir(42): %d %v", v, ok)
	}
}
