package sensor

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func csvSensor(t *testing.T, content string, columns ...string) (Sensor, error) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "data.csv", []byte(content))
	return New(Spec{Name: "csv", Type: TypeFile, File: FileOptions{Path: path, Format: FormatCSV, Columns: columns}}, nil)
}

func TestCSVHeaderColumnsAndTimestamps(t *testing.T) {
	s, err := csvSensor(t, "\xEF\xBB\xBF# recorded on the bench\nts,ax, ay,az,label\n"+
		"2025-03-01T10:00:00Z,0.1,0.2,1.0,idle\n"+
		"2025-03-01T10:00:00.02Z,0.3,-0.4,0.9,walking\n"+
		"1740823200.5,1e-3,NaN,1,walking\n", "az", "ax")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Channels(); !slices.Equal(got, []string{"az", "ax"}) {
		t.Fatalf("channels %v, want az ax", got)
	}
	got, err := runAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{1.0, 0.1}, {0.9, 0.3}, {1, 1e-3}}
	ts := []time.Time{
		time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 1, 10, 0, 0, 20e6, time.UTC),
		time.Unix(1740823200, 5e8),
	}
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i].Values, want[i]) || !got[i].TS.Equal(ts[i]) {
			t.Errorf("row %d: %v at %v, want %v at %v", i, got[i].Values, got[i].TS, want[i], ts[i])
		}
	}
}

func TestCSVDefaultColumnsAreTheNumericOnes(t *testing.T) {
	s, err := csvSensor(t, "ts,ax,ay,az,label\n2025-03-01T10:00:00Z,1,2,3,idle\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Channels(); !slices.Equal(got, []string{"ax", "ay", "az"}) {
		t.Fatalf("channels %v, want ax ay az (not ts, not label)", got)
	}
}

func TestCSVWithoutHeader(t *testing.T) {
	const data = "1,2,3\n4,5,6\n"
	s, err := csvSensor(t, data, "2", "ch0")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Channels(); !slices.Equal(got, []string{"ch2", "ch0"}) {
		t.Fatalf("channels %v, want ch2 ch0", got)
	}
	got, err := runAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !slices.Equal(got[0].Values, []float32{3, 1}) || !slices.Equal(got[1].Values, []float32{6, 4}) {
		t.Fatalf("samples %v", got)
	}
	all, err := csvSensor(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Channels(); !slices.Equal(got, []string{"ch0", "ch1", "ch2"}) {
		t.Fatalf("default channels %v, want ch0 ch1 ch2", got)
	}
}

func TestCSVBadRowNamesTheLine(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"ax,ay\n1,2\n3,4\n5,x\n", `line 4: column "ay": "x" is not a number`},
		{"ax,ay\n1,2\n3\n", "line 3"},
		{"ax,ay\n1,2\n1,1e99\n", `line 3: column "ay": "1e99" is out of the float32 range`},
		{"ts,v\n2025-01-01T00:00:00Z,1\nyesterday,2\n", `line 3: column "ts": "yesterday"`},
	} {
		s, err := csvSensor(t, tc.data)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		_, err = runAll(t, s)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `sensor "csv"`) {
			t.Errorf("%q: Run = %v, want an error naming the sensor and %q", tc.data, err, tc.want)
		}
	}
}

func TestCSVConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		data    string
		columns []string
		want    string
	}{
		{"", nil, "empty CSV file"},
		{"ax,ay\n", nil, "no data rows"},
		{"ax,ay\n1,2\n", []string{"az"}, `column "az" is not in the header (ax,ay)`},
		{"1,2\n", []string{"5"}, `column "5": the file has no header, so columns are indexes 0 to 1`},
		{"ax,ax\n1,2\n", nil, `channel "ax" is listed twice`},
		{"name,place\nbob,home\n", nil, "holds no numbers"},
	} {
		_, err := csvSensor(t, tc.data, tc.columns...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %v: New = %v, want an error containing %q", tc.data, tc.columns, err, tc.want)
		}
	}
}

func TestCSVLoopAndPace(t *testing.T) {
	path := writeFile(t, t.TempDir(), "d.csv", []byte("v\n1\n2\n3\n"))
	// Paced at 1 kHz, looping: the rows come round again.
	s := mustNew(t, Spec{Name: "loop", Type: TypeFile, Rate: 1000, File: FileOptions{Path: path, Loop: true}})
	got, err := collect(t, s, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i, smp := range got {
		if want := float32(i%3 + 1); smp.Values[0] != want {
			t.Fatalf("sample %d: %v, want %v", i, smp.Values[0], want)
		}
		if smp.TS.IsZero() {
			t.Fatalf("sample %d not stamped", i)
		}
	}
}
