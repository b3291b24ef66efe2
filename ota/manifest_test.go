package ota

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/hwprobe"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

func TestManifestRoundTrip(t *testing.T) {
	_, pub := testKey(1)
	m := Manifest{
		Kind: KindAgent, Name: "edge-agent", Version: 42,
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
		Expires: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		Files:   []File{{Path: "bin/edge-agent", SHA256: strings.Repeat("ab", 32), Size: 10}},
		KeyID:   KeyID(pub),
	}
	raw, err := m.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	want := `{"kind":"agent","name":"edge-agent","version":42,"created":"2026-01-02T03:04:05+01:00","expires":"2026-07-01T00:00:00Z","files":[{"path":"bin/edge-agent","sha256":"` +
		strings.Repeat("ab", 32) + `","size":10}],"key_id":"` + KeyID(pub) + `"}`
	if string(raw) != want {
		t.Fatalf("encoded\n%s\nwant\n%s", raw, want)
	}
	got, err := ParseManifest(raw)
	if err != nil {
		t.Fatalf("ParseManifest: %v", err)
	}
	if got.Kind != m.Kind || got.Name != m.Name || got.Version != m.Version || !got.Created.Equal(m.Created) ||
		!got.Expires.Equal(m.Expires) || len(got.Files) != 1 || got.Files[0] != m.Files[0] || got.KeyID != m.KeyID || got.Variants != nil {
		t.Fatalf("parsed %+v, want %+v", got, m)
	}
}

func TestParseManifestRefusals(t *testing.T) {
	_, pub := testKey(1)
	good := string(mustJSON(t, baseManifest(pub)))
	if _, err := ParseManifest([]byte(good)); err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	empty := baseManifest(pub)
	empty["files"] = []any{}
	delete(empty, "variants")
	noFiles := string(mustJSON(t, empty))
	for _, tc := range []struct {
		name, json, code string
	}{
		{"null", "null", CodeBadManifest},
		{"array", "[]", CodeBadManifest},
		{"not json", "{", CodeBadManifest},
		{"trailing data", good + " {}", CodeBadManifest},
		{"upper-case key", strings.Replace(good, `"kind"`, `"Kind"`, 1), CodeBadManifest},
		{"invalid utf-8", strings.Replace(good, "detector", "det\xffector", 1), CodeBadManifest},
		{"bad name", strings.Replace(good, `"detector"`, `"../etc"`, 1), CodeBadManifest},
		{"dot name", strings.Replace(good, `"detector"`, `".hidden"`, 1), CodeBadManifest},
		{"negative version", strings.Replace(good, `"version":3`, `"version":-3`, 1), CodeBadVersion},
		{"exponent version", strings.Replace(good, `"version":3`, `"version":3e2`, 1), CodeBadVersion},
		{"leading zero version", strings.Replace(good, `"version":3`, `"version":03`, 1), CodeBadManifest},
		{"huge version", strings.Replace(good, `"version":3`, `"version":99999999999999999999`, 1), CodeBadVersion},
		{"no version", strings.Replace(good, `,"version":3`, ``, 1), CodeBadVersion},
		{"expires before created", strings.Replace(good, `"2026-06-01T00:00:00Z"`, `"2025-06-01T00:00:00Z"`, 1), CodeBadManifest},
		{"bad key id", strings.Replace(good, KeyID(pub), "ABCDEF0123456789", 1), CodeBadManifest},
		{"no files", noFiles, CodeBadManifest},
		{"negative size", strings.Replace(good, `"size":17`, `"size":-17`, 1), CodeBadManifest},
		{"reserved path", strings.Replace(good, `"labels.txt"`, `"manifest.sig"`, 1), CodeBadPath},
		{"control char", strings.Replace(good, `"labels.txt"`, `"labels\ttxt"`, 1), CodeBadPath},
		{"dot path", strings.Replace(good, `"labels.txt"`, `"."`, 1), CodeBadPath},
		{"trailing slash", strings.Replace(good, `"labels.txt"`, `"labels/"`, 1), CodeBadPath},
		{"case collision", strings.Replace(good, `"labels.txt"`, `"MODEL.tflite"`, 1), CodeDuplicateFile},
		{"deep nesting", `{"kind":[[[[[[[[[[[[1]]]]]]]]]]]]}`, CodeBadManifest},
	} {
		_, err := ParseManifest([]byte(tc.json))
		var oe *Error
		if !errors.As(err, &oe) || oe.Code != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	m := Manifest{Kind: KindModel, Name: "x", Version: 1, Created: fixedNow(), KeyID: "0123456789abcdef"}
	if _, err := m.Encode(); !Is(err, CodeBadManifest) {
		t.Errorf("no files: %v, want bad_manifest", err)
	}
	m.Files = []File{{Path: "a", SHA256: strings.Repeat("0", 64), Size: 1}}
	m.Variants = []Variant{{Path: "b", Requires: "arch == arm64"}}
	if _, err := m.Encode(); !Is(err, CodeBadVariant) {
		t.Errorf("variant of no file: %v, want bad_variant", err)
	}
}

// variantManifest has a CUDA variant, an AMX one and an arm64 one.
func variantManifest() *Manifest {
	f := func(p string) File { return File{Path: p, SHA256: strings.Repeat("0", 64), Size: 1} }
	return &Manifest{
		Kind: KindModel, Name: "detector", Version: 1,
		Files: []File{f("model.tflite"), f("model_cuda.tflite"), f("model_amx.tflite"), f("model_dotprod.tflite")},
		Variants: []Variant{
			{Path: "model_cuda.tflite", Requires: "gpu.kind == nvidia and gpu.compute_capability >= 8.0"},
			{Path: "model_amx.tflite", Requires: "cpu.features has amx_int8"},
			{Path: "model_dotprod.tflite", Requires: "arch == arm64 and cpu.features has asimddp"},
		},
	}
}

func TestPickVariantHandBuilt(t *testing.T) {
	m := variantManifest()
	for _, tc := range []struct {
		name    string
		profile *hwprobe.Profile
		path    string
		req     string
	}{
		{"nil profile", nil, "model.tflite", ""},
		{"empty profile", &hwprobe.Profile{}, "model.tflite", ""},
		{"raspberry pi 5", &hwprobe.Profile{Arch: "arm64", CPU: hwprobe.CPU{Features: []string{"asimd", "asimddp", "crc32"}}},
			"model_dotprod.tflite", "arch == arm64 and cpu.features has asimddp"},
		{"old arm64", &hwprobe.Profile{Arch: "arm64", CPU: hwprobe.CPU{Features: []string{"asimd"}}}, "model.tflite", ""},
		{"ampere gpu on arm64", &hwprobe.Profile{Arch: "arm64", CPU: hwprobe.CPU{Features: []string{"asimddp"}},
			GPUs: []hwprobe.Device{{Kind: "nvidia", ComputeCapability: "8.7"}}},
			"model_cuda.tflite", "gpu.kind == nvidia and gpu.compute_capability >= 8.0"},
		{"old gpu", &hwprobe.Profile{Arch: "amd64", GPUs: []hwprobe.Device{{Kind: "nvidia", ComputeCapability: "7.5"}}}, "model.tflite", ""},
	} {
		p, r := m.PickVariant(tc.profile)
		if p != tc.path || r != tc.req {
			t.Errorf("%s: picked %q (%q), want %q (%q)", tc.name, p, r, tc.path, tc.req)
		}
	}
	v := &Verified{Manifest: *m, Dir: "/stage"}
	if p, _ := v.PickVariant(&hwprobe.Profile{Arch: "arm64", CPU: hwprobe.CPU{Features: []string{"asimddp"}}}); v.StagedPath(p) != "/stage/model_dotprod.tflite" {
		t.Errorf("Verified.PickVariant staged path %q", v.StagedPath(p))
	}
	if p, r := (&Manifest{}).PickVariant(nil); p != "" || r != "" {
		t.Errorf("empty manifest picked %q %q", p, r)
	}
}

func TestPickVariantFixtures(t *testing.T) {
	m := variantManifest()
	for _, tc := range []struct{ fixture, path string }{
		{"x86-h100-vm", "model_cuda.tflite"},
		{"x86-epyc-2core-vm", "model.tflite"},
	} {
		root := testenv.Shared(t, "fixtures", "hwprobe", tc.fixture)
		p, err := hwprobe.Probe(context.Background(), hwprobe.Options{Root: root, NvidiaSMI: true})
		if err != nil {
			t.Fatalf("%s: probe: %v", tc.fixture, err)
		}
		if got, _ := m.PickVariant(p); got != tc.path {
			t.Errorf("%s: picked %s, want %s (gpus %+v)", tc.fixture, got, tc.path, p.GPUs)
		}
	}
}

func TestSignErrors(t *testing.T) {
	priv, _ := testKey(1)
	good := Manifest{Kind: KindModel, Name: "m", Version: 1}
	var buf bytes.Buffer
	if _, _, err := Sign(&buf, priv, Manifest{Kind: KindModel, Name: "m"}, []FileSource{FileFromBytes("a", []byte("x"))}, SignOptions{}); !Is(err, CodeBadVersion) || buf.Len() != 0 {
		t.Errorf("version 0: %v, wrote %d bytes", err, buf.Len())
	}
	if _, _, err := Sign(&buf, priv, good, nil, SignOptions{}); !Is(err, CodeBadManifest) || buf.Len() != 0 {
		t.Errorf("no files: %v, wrote %d bytes", err, buf.Len())
	}
	wrong := good
	wrong.KeyID = "0123456789abcdef"
	if _, _, err := Sign(&buf, priv, wrong, []FileSource{FileFromBytes("a", []byte("x"))}, SignOptions{}); err == nil {
		t.Errorf("manifest naming another key accepted")
	}
	if _, _, err := Sign(&buf, priv[:10], good, []FileSource{FileFromBytes("a", []byte("x"))}, SignOptions{}); err == nil {
		t.Errorf("short private key accepted")
	}
	if _, _, err := Sign(&buf, priv, good, []FileSource{FileFromDisk("a", "/nonexistent/file")}, SignOptions{}); err == nil {
		t.Errorf("missing file accepted")
	}
	// A source whose content changes between the two reads.
	calls := 0
	changing := FileSource{Path: "a", Open: func() (io.ReadCloser, error) {
		calls++
		return io.NopCloser(strings.NewReader(strings.Repeat("x", calls))), nil
	}}
	if _, _, err := Sign(io.Discard, priv, good, []FileSource{changing}, SignOptions{}); err == nil {
		t.Errorf("changing source accepted")
	}
	m, raw, err := Sign(&buf, priv, good, []FileSource{FileFromBytes("a", []byte("x"))}, SignOptions{Now: fixedNow})
	if err != nil || !m.Created.Equal(fixedNow()) || m.KeyID != KeyID(priv.Public()) || !bytes.Contains(raw, []byte(`"created":"2026-03-01T12:00:00Z"`)) {
		t.Errorf("Sign: %v, manifest %+v, raw %s", err, m, raw)
	}
}

func TestManifestSelfTest(t *testing.T) {
	_, pub := testKey(1)
	sum := strings.Repeat("ab", 32)
	base := func(st *SelfTest) Manifest {
		return Manifest{Kind: KindModel, Name: "m", Version: 2, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Files:    []File{{Path: "m.tflite", SHA256: sum, Size: 10}, {Path: "in.bin", SHA256: sum, Size: 4}, {Path: "out.bin", SHA256: sum, Size: 3}},
			SelfTest: st, KeyID: KeyID(pub)}
	}
	m := base(&SelfTest{Inputs: []string{"in.bin"}, Outputs: []string{"out.bin"}, MaxDiff: 0.5})
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseManifest(raw)
	if err != nil || got.SelfTest == nil || got.SelfTest.Inputs[0] != "in.bin" || got.SelfTest.Outputs[0] != "out.bin" || got.SelfTest.MaxDiff != 0.5 {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for name, st := range map[string]*SelfTest{
		"not a file":    {Inputs: []string{"in.bin"}, Outputs: []string{"nope.bin"}},
		"no outputs":    {Inputs: []string{"in.bin"}},
		"negative diff": {Inputs: []string{"in.bin"}, Outputs: []string{"out.bin"}, MaxDiff: -1},
	} {
		m := base(st)
		if _, err := m.Encode(); !Is(err, CodeBadManifest) {
			t.Errorf("%s: %v, want bad_manifest", name, err)
		}
	}
}
