package selfupdate

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

var (
	oldBin = []byte("old binary \x7fELF v1")
	newBin = []byte("new binary \x7fELF v2, a little longer")
)

func TestApplyReplacesAndWritesMarker(t *testing.T) {
	l := newLayout(t, oldBin)
	if err := os.Chmod(l.target, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := Apply(l.target, bytes.NewReader(newBin), strings.ToUpper(sumHex(newBin)), l.marker, "v2"); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	wantContent(t, l.target, newBin)
	wantContent(t, l.old, oldBin)
	fi, err := os.Stat(l.target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o750 {
		t.Errorf("new binary mode %v, want the old one's 0750", fi.Mode().Perm())
	}
	if got, want := entries(t, l.dir), []string{"edge-agent", "edge-agent.old", "state"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v", got, want)
	}
	m, err := readMarker(l.marker)
	if err != nil {
		t.Fatal(err)
	}
	want := Marker{Version: "v2", PreviousPath: l.old, SHA256: sumHex(newBin), Starts: 0, MaxStarts: DefaultMaxStarts}
	if m != want {
		t.Errorf("marker %+v, want %+v", m, want)
	}
	raw, err := os.ReadFile(l.marker)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "previous_path", "sha256", "starts", "max_starts"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("marker JSON %s lacks %q", raw, k)
		}
	}
}

func TestApplyChecksumMismatchReplacesNothing(t *testing.T) {
	l := newLayout(t, oldBin)
	err := Apply(l.target, bytes.NewReader(newBin), sumHex([]byte("something else")), l.marker, "v2")
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("Apply with a wrong digest: %v, want ErrChecksumMismatch", err)
	}
	if !strings.Contains(err.Error(), l.target) {
		t.Errorf("error %q does not name the target", err)
	}
	wantContent(t, l.target, oldBin)
	wantAbsent(t, l.old)
	wantAbsent(t, l.marker)
	if got := entries(t, l.dir); !slices.Equal(got, []string{"edge-agent", "state"}) {
		t.Errorf("directory holds %v after a refused update", got)
	}
}

func TestApplyRejectsBadArguments(t *testing.T) {
	good := sumHex(newBin)
	cases := []struct {
		name, digest, version string
	}{
		{"empty digest", "", "v2"},
		{"short digest", good[:63], "v2"},
		{"non-hex digest", "z" + good[1:], "v2"},
		{"empty version", good, ""},
		{"control character in version", good, "v2\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLayout(t, oldBin)
			if err := Apply(l.target, bytes.NewReader(newBin), c.digest, l.marker, c.version); err == nil {
				t.Fatal("Apply succeeded")
			}
			wantContent(t, l.target, oldBin)
			wantAbsent(t, l.old)
			wantAbsent(t, l.marker)
		})
	}
	l := newLayout(t, oldBin)
	if err := Apply(l.target, nil, good, l.marker, "v2"); err == nil {
		t.Error("Apply with a nil reader succeeded")
	}
	if err := Apply(l.target+"-missing", bytes.NewReader(newBin), good, l.marker, "v2"); err == nil {
		t.Error("Apply to a missing target succeeded")
	}
	wantContent(t, l.target, oldBin)
}

func TestApplyRefusedDuringTrial(t *testing.T) {
	l := newLayout(t, oldBin)
	if err := Apply(l.target, bytes.NewReader(newBin), sumHex(newBin), l.marker, "v2"); err != nil {
		t.Fatal(err)
	}
	third := []byte("third")
	err := Apply(l.target, bytes.NewReader(third), sumHex(third), l.marker, "v3")
	if !errors.Is(err, ErrTrialInProgress) {
		t.Fatalf("second Apply during a trial: %v, want ErrTrialInProgress", err)
	}
	wantContent(t, l.target, newBin)
	wantContent(t, l.old, oldBin)
}

func TestBootTrialThenRollback(t *testing.T) {
	l := newLayout(t, oldBin)
	if d, err := Boot(l.marker, l.target, 2); err != nil || d != (Decision{Normal: true}) {
		t.Fatalf("Boot without a marker: %+v, %v", d, err)
	}
	if err := Apply(l.target, bytes.NewReader(newBin), sumHex(newBin), l.marker, "v2"); err != nil {
		t.Fatal(err)
	}
	for start := 1; start <= 2; start++ {
		d, err := Boot(l.marker, l.target, 2)
		if err != nil {
			t.Fatalf("Boot %d: %v", start, err)
		}
		want := Decision{Trial: true, Version: "v2", Start: start, MaxStarts: 2}
		if d != want {
			t.Fatalf("Boot %d: %+v, want %+v", start, d, want)
		}
		m, err := readMarker(l.marker)
		if err != nil {
			t.Fatal(err)
		}
		if m.Starts != start {
			t.Fatalf("marker counts %d starts after start %d", m.Starts, start)
		}
		wantContent(t, l.target, newBin)
	}
	d, err := Boot(l.marker, l.target, 2)
	if err != nil {
		t.Fatalf("Boot 3: %v", err)
	}
	if !d.RolledBack || d.Trial || d.Normal || d.Version != "v2" || d.Start != 3 || !strings.Contains(d.Reason, "v2") {
		t.Fatalf("Boot 3: %+v, want a rollback of v2", d)
	}
	wantContent(t, l.target, oldBin)
	wantAbsent(t, l.old)
	wantAbsent(t, l.marker)
	if d, err := Boot(l.marker, l.target, 2); err != nil || d != (Decision{Normal: true}) {
		t.Fatalf("Boot after the rollback: %+v, %v", d, err)
	}
}

func TestBootLimitFromMarker(t *testing.T) {
	l := newLayout(t, newBin)
	writeFile(t, l.old, oldBin, 0o755)
	m := Marker{Version: "v2", PreviousPath: l.old, SHA256: sumHex(newBin), Starts: 0, MaxStarts: 1}
	if err := writeMarker(l.marker, m); err != nil {
		t.Fatal(err)
	}
	if d, err := Boot(l.marker, l.target, 0); err != nil || !d.Trial || d.MaxStarts != 1 {
		t.Fatalf("first Boot: %+v, %v; want a trial with limit 1", d, err)
	}
	if d, err := Boot(l.marker, l.target, 0); err != nil || !d.RolledBack {
		t.Fatalf("second Boot: %+v, %v; want a rollback", d, err)
	}
	wantContent(t, l.target, oldBin)

	// Neither the caller nor the marker gives a limit: DefaultMaxStarts.
	l = newLayout(t, newBin)
	writeFile(t, l.old, oldBin, 0o755)
	m.PreviousPath, m.MaxStarts = l.old, 0
	if err := writeMarker(l.marker, m); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= DefaultMaxStarts; i++ {
		if d, err := Boot(l.marker, l.target, 0); err != nil || !d.Trial {
			t.Fatalf("Boot %d: %+v, %v; want a trial", i, d, err)
		}
	}
	if d, err := Boot(l.marker, l.target, 0); err != nil || !d.RolledBack {
		t.Fatalf("Boot %d: %+v, %v; want a rollback", DefaultMaxStarts+1, d, err)
	}
}

func TestBootCorruptMarkerReplacesNothing(t *testing.T) {
	good := func(l layout) Marker {
		return Marker{Version: "v2", PreviousPath: l.old, SHA256: sumHex(newBin), Starts: 5, MaxStarts: 3}
	}
	cases := []struct {
		name string
		data func(l layout) []byte
	}{
		{"empty", func(layout) []byte { return nil }},
		{"garbage", func(layout) []byte { return []byte("\x00\xffnot json") }},
		{"truncated", func(l layout) []byte { b, _ := json.Marshal(good(l)); return b[:len(b)/2] }},
		{"trailing data", func(l layout) []byte { b, _ := json.Marshal(good(l)); return append(b, "{}"...) }},
		{"array", func(layout) []byte { return []byte(`[1,2]`) }},
		{"negative starts", func(l layout) []byte {
			m := good(l)
			m.Starts = -1
			b, _ := json.Marshal(m)
			return b
		}},
		{"bad sha256", func(l layout) []byte {
			m := good(l)
			m.SHA256 = "abc"
			b, _ := json.Marshal(m)
			return b
		}},
		{"no version", func(l layout) []byte {
			m := good(l)
			m.Version = ""
			b, _ := json.Marshal(m)
			return b
		}},
		{"starts as string", func(l layout) []byte {
			return []byte(`{"version":"v2","previous_path":"` + l.old + `","sha256":"` + sumHex(newBin) + `","starts":"7","max_starts":3}`)
		}},
		{"other target", func(l layout) []byte {
			m := good(l)
			m.PreviousPath = "/usr/bin/something-else.old"
			b, _ := json.Marshal(m)
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLayout(t, newBin)
			writeFile(t, l.old, oldBin, 0o755)
			data := c.data(l)
			writeFile(t, l.marker, data, 0o600)
			d, err := Boot(l.marker, l.target, 3)
			if err == nil {
				t.Fatalf("Boot with a %s marker: %+v, no error", c.name, d)
			}
			if !errors.Is(err, ErrCorruptMarker) {
				t.Errorf("error %v does not wrap ErrCorruptMarker", err)
			}
			if !strings.Contains(err.Error(), l.marker) {
				t.Errorf("error %q does not name the marker file", err)
			}
			if d != (Decision{}) {
				t.Errorf("decision %+v with an error, want the zero Decision", d)
			}
			wantContent(t, l.target, newBin)
			wantContent(t, l.old, oldBin)
			wantContent(t, l.marker, data)
		})
	}
}

func TestBootStaleMarkerIsRemoved(t *testing.T) {
	// A crash after Apply wrote the marker but before the swap: the old
	// binary is still at the target.
	l := newLayout(t, oldBin)
	writeFile(t, l.old, []byte("older"), 0o755)
	m := Marker{Version: "v2", PreviousPath: l.old, SHA256: sumHex(newBin), Starts: 9, MaxStarts: 3}
	if err := writeMarker(l.marker, m); err != nil {
		t.Fatal(err)
	}
	d, err := Boot(l.marker, l.target, 3)
	if err != nil {
		t.Fatalf("Boot: %v", err)
	}
	if !d.Normal || d.Trial || d.RolledBack || !strings.Contains(d.Reason, "stale") {
		t.Fatalf("Boot: %+v, want Normal with a stale-marker reason", d)
	}
	wantAbsent(t, l.marker)
	wantContent(t, l.target, oldBin)
	wantContent(t, l.old, []byte("older"))
}

func TestBootRollbackWithoutPrevious(t *testing.T) {
	l := newLayout(t, newBin)
	m := Marker{Version: "v2", PreviousPath: l.old, SHA256: sumHex(newBin), Starts: 3, MaxStarts: 3}
	if err := writeMarker(l.marker, m); err != nil {
		t.Fatal(err)
	}
	_, err := Boot(l.marker, l.target, 3)
	if !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("Boot due for a rollback without %s: %v, want ErrNoPrevious", l.old, err)
	}
	wantContent(t, l.target, newBin)
}

func TestMarkHealthyKeepsPrevious(t *testing.T) {
	l := newLayout(t, oldBin)
	if err := Apply(l.target, bytes.NewReader(newBin), sumHex(newBin), l.marker, "v2"); err != nil {
		t.Fatal(err)
	}
	if _, err := Boot(l.marker, l.target, 3); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // idempotent
		if err := MarkHealthy(l.marker); err != nil {
			t.Fatalf("MarkHealthy %d: %v", i, err)
		}
	}
	wantAbsent(t, l.marker)
	wantContent(t, l.target, newBin)
	wantContent(t, l.old, oldBin)
	if d, err := Boot(l.marker, l.target, 3); err != nil || !d.Normal {
		t.Fatalf("Boot after MarkHealthy: %+v, %v", d, err)
	}
}

func TestRollback(t *testing.T) {
	l := newLayout(t, oldBin)
	if err := Apply(l.target, bytes.NewReader(newBin), sumHex(newBin), l.marker, "v2"); err != nil {
		t.Fatal(err)
	}
	if err := MarkHealthy(l.marker); err != nil {
		t.Fatal(err)
	}
	// A damaged marker does not stop an explicit rollback.
	writeFile(t, l.marker, []byte("{broken"), 0o600)
	if err := Rollback(l.target, l.marker); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	wantContent(t, l.target, oldBin)
	wantAbsent(t, l.old)
	wantAbsent(t, l.marker)
	if err := Rollback(l.target, l.marker); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("second Rollback: %v, want ErrNoPrevious", err)
	}
	wantContent(t, l.target, oldBin)
}

func TestPrune(t *testing.T) {
	l := newLayout(t, oldBin)
	if err := Apply(l.target, bytes.NewReader(newBin), sumHex(newBin), l.marker, "v2"); err != nil {
		t.Fatal(err)
	}
	if err := Prune(l.target, l.marker); !errors.Is(err, ErrTrialInProgress) {
		t.Fatalf("Prune during a trial: %v, want ErrTrialInProgress", err)
	}
	wantContent(t, l.old, oldBin)
	if err := MarkHealthy(l.marker); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := Prune(l.target, l.marker); err != nil {
			t.Fatalf("Prune %d: %v", i, err)
		}
	}
	wantAbsent(t, l.old)
	wantContent(t, l.target, newBin)
}
