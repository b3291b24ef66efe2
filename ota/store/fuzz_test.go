package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// stateSeeds adds seed pairs (state.json, meta.json) to a fuzz target.
func stateSeeds(f *testing.F) {
	good := []byte(`{"name":"m","version":1,"sha256":"` + sum([]byte("abc")) + `","primary":"model.tflite","size":3,"installed":"2025-01-02T03:04:05.5Z","source":"k1","self_test":{"ok":true}}`)
	f.Add([]byte(`{"active":1,"previous":0}`), good)
	f.Add([]byte(`{"active":2,"previous":1}`), good)
	f.Add([]byte(`{"active":1}`), []byte(`{"name":"m","version":1}`))
	f.Add([]byte(`{"active":0,"previous":0}`), []byte(`{}`))
	f.Add([]byte(`{"active":1,"previous":1}`), []byte(`null`))
	f.Add([]byte(`{"active":9223372036854775807,"previous":-1}`), []byte(`{"name":"../x","version":1,"sha256":"","primary":"/etc/passwd","size":-5}`))
	f.Add([]byte("\x00\xff"), []byte(`{"self_test":nul}`))
	f.Add([]byte(`{"active":1,"ACTIVE":2}`), bytes.Replace(good, []byte(`"size":3`), []byte(`"size":4`), 1))
}

// FuzzState feeds arbitrary bytes to the state.json and meta.json parsers:
// they never panic, accept only what the store could have written, and
// re-encode what they accept to a fixed point.
func FuzzState(f *testing.F) {
	stateSeeds(f)
	f.Fuzz(func(t *testing.T, stateJSON, metaJSON []byte) {
		if st, err := parseState(stateJSON); err == nil {
			if st.Active < 1 || st.Previous < 0 || st.Previous == st.Active {
				t.Fatalf("parseState accepted %+v", st)
			}
			b, err := encodeState(st)
			if err != nil {
				t.Fatalf("encodeState(%+v): %v", st, err)
			}
			if st2, err := parseState(b); err != nil || st2 != st {
				t.Fatalf("state %+v encoded as %s parses as %+v, %v", st, b, st2, err)
			}
		}
		if m, err := parseMeta(metaJSON); err == nil {
			if checkMeta(m) != nil {
				t.Fatalf("parseMeta accepted %+v", m)
			}
			b, err := encodeMeta(m)
			if err != nil {
				t.Fatalf("encodeMeta(%+v): %v", m, err)
			}
			m2, err := parseMeta(b)
			if err != nil {
				t.Fatalf("meta %s re-encoded as %s does not parse: %v", metaJSON, b, err)
			}
			b2, err := encodeMeta(m2)
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("meta encoding is not stable: %s then %s (%v)", b, b2, err)
			}
		}
	})
}

// FuzzOpenState writes arbitrary bytes as the state.json and meta.json of
// version 1 of a model (with a 3-byte primary file "model.tflite") and
// opens the store: Open never fails or panics on them, and never reports
// as active anything but a complete version. (Slower than FuzzState: every
// input is a store on disk.)
func FuzzOpenState(f *testing.F) {
	stateSeeds(f)
	f.Fuzz(func(t *testing.T, stateJSON, metaJSON []byte) {
		root := t.TempDir()
		vdir := filepath.Join(root, "m", "1")
		if err := os.MkdirAll(vdir, 0o750); err != nil {
			t.Fatal(err)
		}
		for p, b := range map[string][]byte{
			filepath.Join(root, "m", stateFile): stateJSON,
			filepath.Join(vdir, metaFile):       metaJSON,
			filepath.Join(vdir, "model.tflite"): []byte("abc"),
		} {
			if err := os.WriteFile(p, b, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(root)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		vs := s.Versions("m")
		if v, ok := s.Active("m"); ok {
			if v.Version != 1 || len(vs) != 1 || checkMeta(v.Meta) != nil {
				t.Fatalf("active %+v of versions %+v", v, vs)
			}
			if fi, err := os.Stat(v.Primary); err != nil || fi.Size() != v.Meta.Size {
				t.Fatalf("active primary %s: %v", v.Primary, err)
			}
		}
		if len(vs) == 0 {
			if _, err := os.Stat(vdir); !os.IsNotExist(err) {
				t.Fatalf("version folder without a valid meta.json kept: %v", err)
			}
		}
		if _, err := s.Rollback("m"); err == nil {
			if v, ok := s.Active("m"); !ok || v.Version != 1 {
				t.Fatalf("rollback to a version not installed: %+v", v)
			}
		}
	})
}
