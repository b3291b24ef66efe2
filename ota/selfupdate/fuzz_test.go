package selfupdate

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzMarker feeds arbitrary bytes to ParseMarker: it must not panic,
// must reject with ErrCorruptMarker, and what it accepts must be valid and
// survive an encode/parse round trip unchanged.
func FuzzMarker(f *testing.F) {
	digest := strings.Repeat("ab", 32)
	f.Add([]byte(`{"version":"v2","previous_path":"/usr/bin/edge-agent.old","sha256":"` + digest + `","starts":1,"max_starts":3}`))
	f.Add([]byte(`{"version":"v2","previous_path":"/a.old","sha256":"` + digest + `","starts":0,"max_starts":0,"deadline":"2030-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"version":"v2","previous_path":"/a.old","sha256":"` + digest + `","starts":9223372036854775807,"max_starts":3}`))
	f.Add([]byte(`{"version":"v2","starts":-1}`))
	f.Add([]byte(`{"version":"v2"} {}`))
	f.Add([]byte(`{"starts":1e400}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMarker(data)
		if err != nil {
			if !errors.Is(err, ErrCorruptMarker) {
				t.Fatalf("error %v does not wrap ErrCorruptMarker", err)
			}
			if m != (Marker{}) {
				t.Fatalf("rejected input returned %+v", m)
			}
			return
		}
		if m.Version == "" || m.PreviousPath == "" || len(m.SHA256) != 64 || m.Starts < 0 || m.MaxStarts < 0 {
			t.Fatalf("accepted an invalid marker %+v", m)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("encoding %+v: %v", m, err)
		}
		m2, err := ParseMarker(b)
		if err != nil {
			t.Fatalf("re-parsing %s: %v", b, err)
		}
		if m2 != m {
			t.Fatalf("round trip changed %+v into %+v", m, m2)
		}
	})
}
