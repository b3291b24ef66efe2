package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func oursOf(median, min, load float64, rss, peak int64) ours {
	r := ours{Model: "m", Runs: 5, LoadMs: load, RSSBytes: rss, PeakRSSBytes: peak}
	r.Latency = &struct {
		Min    float64 `json:"min"`
		Median float64 `json:"median"`
		P99    float64 `json:"p99"`
	}{Min: min, Median: median}
	return r
}

func theirsOf(median, min, load float64, rss int64) theirs {
	return theirs{Runtime: "tflite-wasm", Runs: 5, MedianMs: &median, MinMs: min, LoadMs: load, RSSBytes: rss,
		SIMD: true, XNNPACK: true, Version: "@tensorflow/tfjs-tflite@0.0.1-alpha.10", Build: "tflite_web_api_cc_simd", Patched: 14}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{4, 1}, 2.5}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := append([]float64(nil), c.in...)
		if got := median(in); got != c.want {
			t.Errorf("median(%v) = %g, want %g", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("median reordered its input: %v", in)
			}
		}
	}
}

func TestSig3(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0", 70.1234: "70.1", 15.98: "16.0", 0.74443: "0.744", 0.000782: "0.000782",
		3762: "3762", 1.5: "1.50", 123.4: "123", 0.00017: "0.000170",
	} {
		if got := sig3(in); got != want {
			t.Errorf("sig3(%g) = %q, want %q", in, got, want)
		}
	}
}

func TestMakeRowTakesMediansAndRatio(t *testing.T) {
	var o, th side
	o.addOurs(oursOf(4, 3, 5, 10<<20, 20<<20), nil)
	o.addOurs(oursOf(2, 1.5, 7, 12<<20, 22<<20), nil)
	o.addOurs(ours{}, errors.New("killed"))
	th.addTheirs(theirsOf(1, 0.9, 40, 90<<20), nil)
	th.addTheirs(theirsOf(2, 0.8, 60, 94<<20), nil)
	r := makeRow("person_detect", 2, &o, &th)

	if !r.Ours.OK || r.Ours.MedianMs != 3 || r.Ours.MinMs != 1.5 || r.Ours.LoadMs != 6 || r.Ours.RSSBytes != 11<<20 || r.Ours.PeakRSSBytes != 21<<20 {
		t.Fatalf("ours = %+v", r.Ours)
	}
	if len(r.Ours.Errors) != 1 || r.Ours.Errors[0] != "killed" {
		t.Fatalf("ours errors = %v", r.Ours.Errors)
	}
	if r.TFLite == nil || r.TFLite.MedianMs != 1.5 || r.TFLite.MinMs != 0.8 || r.TFLite.RSSBytes != 92<<20 || !*r.TFLite.XNNPACK || *r.TFLite.PatchedTensor != 14 {
		t.Fatalf("tflite = %+v", r.TFLite)
	}
	if r.Ratio == nil || *r.Ratio != 0.5 {
		t.Fatalf("ratio = %v, want 0.5 (TFLite 1.5 ms / ours 3 ms)", r.Ratio)
	}
}

func TestMakeRowWithoutSamplesHasNoRatio(t *testing.T) {
	var o, th side
	o.addOurs(oursOf(2, 1, 1, 1, 1), nil)
	th.addTheirs(theirs{}, errors.New("TFLite refused the model"))
	r := makeRow("m", 1, &o, &th)
	if r.Ratio != nil || r.TFLite.OK {
		t.Fatalf("row = %+v", r)
	}
	if r := makeRow("m", 1, &o, nil); r.TFLite != nil || r.Ratio != nil {
		t.Fatalf("no-node row = %+v", r)
	}
}

func TestWriteTable(t *testing.T) {
	var o1, t1, o2, t2 side
	o1.addOurs(oursOf(70.26, 60, 31.5, 18<<20, 25<<20), nil)
	t1.addTheirs(theirsOf(14.5, 14, 210, 91<<20), nil)
	o2.addOurs(oursOf(0.5, 0.4, 5, 0, 13<<20), nil) // an older report: no rss_bytes
	t2.addTheirs(theirs{}, errors.New("TFLite refused the model"))
	rows := []row{makeRow("mobilenet_v2", 1, &o1, &t1), makeRow("person_detect", 2, &o2, &t2)}
	var b bytes.Buffer
	if err := writeTable(&b, rows, 50, 2); err != nil {
		t.Fatal(err)
	}
	want := `| model         | threads | ours median ms | TFLite median ms | ratio TFLite/ours | ours RSS MiB | ours peak MiB | TFLite RSS MiB | ours load ms | TFLite load ms |
| ------------- | ------- | -------------: | ---------------: | ----------------: | -----------: | ------------: | -------------: | -----------: | -------------: |
| mobilenet_v2  | 1       |           70.3 |             14.5 |             0.206 |         18.0 |          25.0 |           91.0 |         31.5 |            210 |
| person_detect | 2       |          0.500 |            error |                 - |         13.0 |          13.0 |          error |         5.00 |          error |

medians over 2 process(es) per side of 50 timed runs each; ratio > 1: edge-agent is faster.
ours RSS: RSS of ` + "`edge-agent model bench`" + ` after the runs, start-up pages of the binary released as the daemon does (internal/procmem); ours peak: its peak RSS, start-up included; TFLite RSS: the Node process's RSS after load and runs. load: file to ready interpreter.

1 error(s):
- person_detect (2 threads) TFLite: TFLite refused the model
`
	if got := b.String(); got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteTableWithoutNode(t *testing.T) {
	var o side
	o.addOurs(oursOf(1.25, 1, 2, 9<<20, 14<<20), nil)
	var b bytes.Buffer
	if err := writeTable(&b, []row{makeRow("hello_world_int8", 1, &o, nil)}, 10, 1); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	if strings.Contains(got, "TFLite") || strings.Contains(got, "ratio") {
		t.Fatalf("TFLite columns without Node:\n%s", got)
	}
	if !strings.HasPrefix(got, "| model            | threads | ours median ms | ours RSS MiB | ours peak MiB | ours load ms |\n") ||
		!strings.Contains(got, "| hello_world_int8 | 1       |           1.25 |          9.0 |          14.0 |         2.00 |\n") {
		t.Fatalf("table:\n%s", got)
	}
}

func TestWriteJSON(t *testing.T) {
	var o, th side
	o.addOurs(oursOf(2, 1, 3, 4<<20, 5<<20), nil)
	th.addTheirs(theirsOf(1, 0.5, 30, 60<<20), nil)
	var b bytes.Buffer
	if err := writeJSON(&b, []row{makeRow("m", 1, &o, &th)}); err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if len(back) != 1 || back[0]["model"] != "m" || back[0]["ratio"] != 0.5 {
		t.Fatalf("rows = %v", back)
	}
	tf := back[0]["tflite"].(map[string]any)
	if tf["median_ms"] != 1.0 || tf["simd"] != true || tf["version"] != "@tensorflow/tfjs-tflite@0.0.1-alpha.10" {
		t.Fatalf("tflite = %v", tf)
	}
	b.Reset()
	if err := writeJSON(&b, nil); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Fatalf("no rows: %q, %v", b.String(), err)
	}
}
