package main

import (
	"strings"
	"testing"
)

// oursSample is `edge-agent model bench person_detect.tflite --json` output.
const oursSample = `{
  "model": "person_detect.tflite",
  "bytes": 300568,
  "runs": 20,
  "threads": 1,
  "load_ms": 5.343228,
  "first_inference_ms": 11.628442,
  "latency_ms": {
    "min": 2.517468,
    "median": 3.880008,
    "p99": 47.99337,
    "mean": 10.1602526,
    "max": 47.99337
  },
  "throughput_per_second": 257.7314273578817,
  "macs": 7157888,
  "gmacs_per_second": 1.844812691107853,
  "arena_bytes": 65088,
  "peak_rss_bytes": 12996608
}
`

// theirsSample is a tflite_bench.js line.
const theirsSample = `{"runtime":"tflite-wasm","model":"person_detect.tflite","threads":1,"simd":true,"xnnpack":true,"version":"@tensorflow/tfjs-tflite@0.0.1-alpha.10","build":"tflite_web_api_cc_simd","node":"v20.20.2","runs":50,"warmup":3,"median_ms":0.74443,"p90_ms":4.82102,"p99_ms":8.861201,"min_ms":0.692141,"mean_ms":1.63,"max_ms":8.861201,"first_ms":7.842602,"load_ms":50.438361,"init_ms":99.823466,"rss_bytes":95461376,"peak_rss_bytes":95461376,"inputs":[{"name":"input","type":"int8","shape":[1,96,96,1]}],"patched_tensors":14,"xnnpack_partitions":2,"cpu_ops":{"AVERAGE_POOL_2D":1}}`

func TestParseOurs(t *testing.T) {
	r, err := parseOurs([]byte(oursSample))
	if err != nil {
		t.Fatal(err)
	}
	if r.Model != "person_detect.tflite" || r.Runs != 20 || r.Threads != 1 || r.LoadMs != 5.343228 ||
		r.Latency.Median != 3.880008 || r.Latency.Min != 2.517468 || r.PeakRSSBytes != 12996608 {
		t.Fatalf("parsed %+v %+v", r, *r.Latency)
	}
}

func TestParseOursRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"not json":     "usage: edge-agent ...",
		"no latency":   `{"model":"m","runs":5}`,
		"no runs":      `{"model":"m","latency_ms":{"min":1,"median":2}}`,
		"min > median": `{"model":"m","runs":5,"latency_ms":{"min":3,"median":2}}`,
		"negative":     `{"model":"m","runs":5,"latency_ms":{"min":-1,"median":2}}`,
		"negative rss": `{"model":"m","runs":5,"latency_ms":{"min":1,"median":2},"peak_rss_bytes":-4}`,
		"wrong type":   `{"model":"m","runs":"five","latency_ms":{"min":1,"median":2}}`,
	} {
		if _, err := parseOurs([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseTheirs(t *testing.T) {
	// The runtime may print before the JSON line: the last JSON line counts.
	r, err := parseTheirs([]byte("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n" + theirsSample + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if *r.MedianMs != 0.74443 || r.MinMs != 0.692141 || r.RSSBytes != 95461376 || r.LoadMs != 50.438361 ||
		!r.SIMD || !r.XNNPACK || r.Patched != 14 || r.Build != "tflite_web_api_cc_simd" || r.Runs != 50 {
		t.Fatalf("parsed %+v", r)
	}
}

func TestParseTheirsErrorLine(t *testing.T) {
	line := `{"runtime":"tflite-wasm","model":"x.tflite","threads":1,"error":"TFLite refused the model: INVALID_ARGUMENT: Can't initialize model","log":["ERROR: quantized_dimension must be in range [0, 1). Was 3."]}`
	r, err := parseTheirs([]byte(line))
	if err == nil {
		t.Fatal("no error for an error line")
	}
	if r.Error == "" || !strings.Contains(err.Error(), "refused the model") || !strings.Contains(err.Error(), "quantized_dimension") {
		t.Fatalf("err = %v, want TFLite's message and log", err)
	}
}

func TestParseTheirsRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"no json":        "Aborted()\n",
		"bad json":       `{"runtime":`,
		"other runtime":  `{"runtime":"onnx","median_ms":1,"runs":1}`,
		"no median":      `{"runtime":"tflite-wasm","runs":3}`,
		"no runs":        `{"runtime":"tflite-wasm","median_ms":1}`,
		"min > median":   `{"runtime":"tflite-wasm","runs":3,"median_ms":1,"min_ms":2}`,
		"negative load":  `{"runtime":"tflite-wasm","runs":3,"median_ms":1,"load_ms":-1}`,
		"negative media": `{"runtime":"tflite-wasm","runs":3,"median_ms":-1}`,
	} {
		if _, err := parseTheirs([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzParseOurs(f *testing.F) {
	f.Add([]byte(oursSample))
	f.Add([]byte(`{"runs":1,"latency_ms":{"min":0,"median":0}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseOurs(b)
		if err != nil {
			return
		}
		if r.Latency == nil || r.Runs < 1 || r.Latency.Min < 0 || r.Latency.Min > r.Latency.Median || r.LoadMs < 0 || r.PeakRSSBytes < 0 {
			t.Fatalf("accepted an inconsistent report: %+v", r)
		}
	})
}

func FuzzParseTheirs(f *testing.F) {
	f.Add([]byte(theirsSample))
	f.Add([]byte(`{"runtime":"tflite-wasm","error":"x","log":["a"]}`))
	f.Add([]byte("noise\n{\"runtime\":\"tflite-wasm\",\"runs\":1,\"median_ms\":0}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseTheirs(b)
		if err != nil {
			return
		}
		if r.MedianMs == nil || r.Runs < 1 || r.Error != "" || *r.MedianMs < 0 || r.MinMs > *r.MedianMs || r.RSSBytes < 0 {
			t.Fatalf("accepted an inconsistent line: %+v", r)
		}
	})
}
