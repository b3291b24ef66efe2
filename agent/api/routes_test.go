package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/sync/wire"
)

func TestReadEndpoints(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	p := srv.Path()

	var st api.Status
	get(t, p, "/v1/status").decode(t, &st)
	if !reflect.DeepEqual(st, f.StatusDoc) {
		t.Errorf("status:\n got %+v\nwant %+v", st, f.StatusDoc)
	}

	r := get(t, p, "/v1/hardware")
	var hw, want map[string]any
	r.decode(t, &hw)
	if err := json.Unmarshal(f.HardwareDoc, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(hw, want) {
		t.Errorf("hardware: got %v, want %v", hw, want)
	}

	var ms []api.Model
	get(t, p, "/v1/models").decode(t, &ms)
	if !reflect.DeepEqual(ms, f.ModelList) {
		t.Errorf("models: got %+v, want %+v", ms, f.ModelList)
	}

	var buf api.Buffer
	get(t, p, "/v1/buffer").decode(t, &buf)
	if !reflect.DeepEqual(buf, f.BufferDoc) {
		t.Errorf("buffer: got %+v, want %+v", buf, f.BufferDoc)
	}
}

func TestModelsEmptyIsArray(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	f.ModelList = nil
	r := get(t, srv.Path(), "/v1/models")
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("no models: %d %q, want 200 []", r.status, r.body)
	}
}

func TestHardwareErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		doc    string
		err    error
		status int
		code   string
	}{
		{"classified", "", fmt.Errorf("probe: %w", api.Unavailable("probe still running")), 503, api.CodeUnavailable},
		{"unclassified", "", errors.New("disk on fire"), 500, api.CodeInternal},
		{"not json", "{nope", nil, 500, api.CodeInternal},
		{"custom", "", &api.Error{Status: 409, Code: "busy", Message: "come back later"}, 409, "busy"},
		{"bad status", "", &api.Error{Status: 200, Code: "weird", Message: "not an error status"}, 500, "weird"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, f := startFake(t, api.Options{})
			f.HardwareDoc, f.HardwareErr = json.RawMessage(tc.doc), tc.err
			r := get(t, srv.Path(), "/v1/hardware")
			eb := r.errorBody(t)
			if r.status != tc.status || eb.Error.Code != tc.code {
				t.Errorf("status %d code %q, want %d %q", r.status, eb.Error.Code, tc.status, tc.code)
			}
			if tc.name == "unclassified" && !strings.Contains(eb.Error.Message, "disk on fire") {
				t.Errorf("message %q does not carry the error", eb.Error.Message)
			}
		})
	}
}

// demoInput returns 96 float32 values: channel c of step i is c+1, but
// channel 1 is 10 at every step, so its mean (10) wins.
func demoInput() []float64 {
	in := make([]float64, 96)
	for i := range in {
		in[i] = float64(i%3 + 1)
		if i%3 == 1 {
			in[i] = 10
		}
	}
	return in
}

func TestInfer(t *testing.T) {
	srv, _ := startFake(t, api.Options{MaxBody: 4096})
	p := srv.Path()
	in := demoInput()
	raw := make([]byte, 0, 4*len(in))
	for _, v := range in {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(v)))
	}
	jsonBody, _ := json.Marshal(api.InferRequest{Inputs: [][]float64{in}})
	rawJSON, _ := json.Marshal(api.InferRequest{RawInputs: [][]byte{raw}})
	for _, tc := range []struct {
		name  string
		ctype string
		body  []byte
	}{
		{"json numbers", "application/json", jsonBody},
		{"json without content type", "", jsonBody},
		{"json base64", "application/json; charset=utf-8", rawJSON},
		{"octet-stream", "application/octet-stream", raw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp api.InferResponse
			send(t, p, request{method: "POST", path: "/v1/models/demo-motion/infer", ctype: tc.ctype, body: tc.body}).decode(t, &resp)
			if len(resp.Outputs) != 1 || !reflect.DeepEqual(resp.Outputs[0].Values, api.Values{1, 10, 3}) {
				t.Fatalf("outputs %+v, want one with values [1 10 3]", resp.Outputs)
			}
			if len(resp.Top) != 1 || resp.Top[0].Label != "walking" || resp.Model.Name != "demo-motion" {
				t.Errorf("top %+v model %+v, want walking from demo-motion", resp.Top, resp.Model)
			}
			if got := math.Float32frombits(binary.LittleEndian.Uint32(resp.Outputs[0].Raw[4:])); got != 10 {
				t.Errorf("raw output 1 = %v, want 10", got)
			}
		})
	}
}

func TestInferErrors(t *testing.T) {
	srv, _ := startFake(t, api.Options{MaxBody: 4096})
	p := srv.Path()
	for _, tc := range []struct {
		name, path, ctype, body string
		status                  int
		code, msg               string
	}{
		{"unknown model", "/v1/models/nope/infer", "application/json", `{"inputs":[[1]]}`, 404, api.CodeNotFound, `no model "nope"`},
		{"wrong size", "/v1/models/demo-motion/infer", "application/json", `{"inputs":[[1,2]]}`, 400, api.CodeBadRequest, "got 2 values, want 96"},
		{"syntax", "/v1/models/demo-motion/infer", "application/json", `{"inputs":[[1,2]`, 400, api.CodeBadRequest, "middle of a value"},
		{"bad char", "/v1/models/demo-motion/infer", "application/json", `{"inputs":[[1,x]]}`, 400, api.CodeBadRequest, "at byte"},
		{"unknown field", "/v1/models/demo-motion/infer", "application/json", `{"input":[[1]]}`, 400, api.CodeBadRequest, `unknown field "input"`},
		{"wrong type", "/v1/models/demo-motion/infer", "application/json", `{"inputs":"abc"}`, 400, api.CodeBadRequest, `field "inputs"`},
		{"trailing data", "/v1/models/demo-motion/infer", "application/json", `{"inputs":[[1]]} {}`, 400, api.CodeBadRequest, "after the first value"},
		{"empty", "/v1/models/demo-motion/infer", "application/json", ``, 400, api.CodeBadRequest, "empty body"},
		{"no inputs", "/v1/models/demo-motion/infer", "application/json", `{}`, 400, api.CodeBadRequest, "no inputs"},
		{"both", "/v1/models/demo-motion/infer", "application/json", `{"inputs":[[1]],"raw_inputs":["AAAA"]}`, 400, api.CodeBadRequest, "not both"},
		{"empty raw", "/v1/models/demo-motion/infer", "application/octet-stream", ``, 400, api.CodeBadRequest, "empty body"},
		{"media type", "/v1/models/demo-motion/infer", "text/plain", `1 2 3`, 415, api.CodeUnsupportedMedia, "text/plain"},
		{"bad content type", "/v1/models/demo-motion/infer", "a/b; ===", `{}`, 400, api.CodeBadRequest, "Content-Type"},
		{"too large", "/v1/models/demo-motion/infer", "application/octet-stream", strings.Repeat("x", 5000), 413, api.CodeTooLarge, "4096 bytes"},
		{"escaped name", "/v1/models/demo%2Fmotion/infer", "application/json", `{"inputs":[[1]]}`, 404, api.CodeNotFound, `"demo/motion"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, p, request{method: "POST", path: tc.path, ctype: tc.ctype, body: []byte(tc.body)})
			eb := r.errorBody(t)
			if r.status != tc.status || eb.Error.Code != tc.code || !strings.Contains(eb.Error.Message, tc.msg) {
				t.Errorf("got %d %q %q; want %d %q containing %q", r.status, eb.Error.Code, eb.Error.Message, tc.status, tc.code, tc.msg)
			}
		})
	}
}

// publish adds records with seqs from..to to the fake.
func publish(pub func(wire.Prediction), from, to uint64) {
	for s := from; s <= to; s++ {
		pub(wire.Prediction{
			Seq: s, TS: time.Date(2025, 6, 1, 12, 0, int(s), 0, time.UTC), Pipeline: "motion",
			Model: wire.Model{Name: "demo-motion", Version: 1}, LatencyUS: int64(100 + s),
			Output: json.RawMessage(`[0.1,0.8,0.1]`), Top: []wire.Label{{Label: "walking", Score: 0.8}},
		})
	}
}

func TestPredictions(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	p := srv.Path()
	var empty api.Predictions
	get(t, p, "/v1/predictions").decode(t, &empty)
	if empty.Records == nil || len(empty.Records) != 0 || empty.LastSeq != 0 {
		t.Errorf("no history: %+v, want an empty records array", empty)
	}
	if !bytes.Contains(get(t, p, "/v1/predictions").body, []byte(`"records":[]`)) {
		t.Errorf("empty records is not written as []")
	}
	publish(f.Publish, 1, 250)
	for _, tc := range []struct {
		query       string
		first, last uint64
		n           int
	}{
		{"", 1, 100, 100},
		{"?since_seq=200", 201, 250, 50},
		{"?since_seq=10&limit=5", 11, 15, 5},
		{"?limit=10000", 1, 250, 250},
		{"?since_seq=250", 0, 0, 0},
	} {
		var got api.Predictions
		get(t, p, "/v1/predictions"+tc.query).decode(t, &got)
		if len(got.Records) != tc.n || got.OldestSeq != 1 || got.LastSeq != 250 {
			t.Errorf("%q: %d records, oldest %d last %d; want %d, 1, 250", tc.query, len(got.Records), got.OldestSeq, got.LastSeq, tc.n)
			continue
		}
		if tc.n > 0 && (got.Records[0].Seq != tc.first || got.Records[tc.n-1].Seq != tc.last) {
			t.Errorf("%q: seqs %d..%d, want %d..%d", tc.query, got.Records[0].Seq, got.Records[tc.n-1].Seq, tc.first, tc.last)
		}
	}
	if got := get(t, p, "/v1/predictions?limit=1"); !bytes.Contains(got.body, []byte(`"output":[0.1,0.8,0.1]`)) {
		t.Errorf("record output not passed through: %s", got.body)
	}
}

func TestQueryErrors(t *testing.T) {
	srv, _ := startFake(t, api.Options{})
	for _, q := range []struct{ target, msg string }{
		{"/v1/predictions?since_seq=-1", "since_seq"},
		{"/v1/predictions?since_seq=abc", "since_seq"},
		{"/v1/predictions?limit=0", "limit"},
		{"/v1/predictions?limit=10001", "1 to 10000"},
		{"/v1/predictions?limit=ten", "limit"},
		{"/v1/predictions?since=3", `unknown query parameter "since"`},
		{"/v1/predictions?limit=1&limit=2", "2 times"},
		{"/v1/predictions?a=%zz", "bad query"},
		{"/v1/predictions/stream?limit=5", `unknown query parameter "limit"`},
		{"/v1/status?verbose=1", "takes none"},
	} {
		r := get(t, srv.Path(), q.target)
		eb := r.errorBody(t)
		if r.status != 400 || eb.Error.Code != api.CodeBadRequest || !strings.Contains(eb.Error.Message, q.msg) {
			t.Errorf("%s: %d %q %q; want 400 bad_request naming %q", q.target, r.status, eb.Error.Code, eb.Error.Message, q.msg)
		}
	}
}

func TestRoutingErrors(t *testing.T) {
	srv, _ := startFake(t, api.Options{})
	for _, tc := range []struct {
		method, target string
		status         int
		code, allow    string
	}{
		{"GET", "/v1/nope", 404, api.CodeNotFound, ""},
		{"GET", "/", 404, api.CodeNotFound, ""},
		{"GET", "/v1/status/", 404, api.CodeNotFound, ""},
		{"GET", "/v1/models//infer", 404, api.CodeNotFound, ""},
		{"POST", "/v1/status", 405, api.CodeMethodNotAllowed, "GET"},
		{"DELETE", "/v1/buffer", 405, api.CodeMethodNotAllowed, "GET"},
		{"GET", "/v1/models/demo-motion/infer", 405, api.CodeMethodNotAllowed, "POST"},
		{"PUT", "/v1/sensors/env/samples", 405, api.CodeMethodNotAllowed, "POST"},
		{"GET", "/metrics", 404, api.CodeNotFound, ""}, // no metrics handler
	} {
		r := send(t, srv.Path(), request{method: tc.method, path: tc.target})
		eb := r.errorBody(t)
		if r.status != tc.status || eb.Error.Code != tc.code || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %q Allow %q; want %d %q Allow %q", tc.method, tc.target, r.status, eb.Error.Code, r.header.Get("Allow"), tc.status, tc.code, tc.allow)
		}
	}
}

func TestMetricsHandler(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "edge_agent_up 1\n")
	})
	srv, _ := startFake(t, api.Options{Metrics: h})
	r := get(t, srv.Path(), "/metrics?name[]=x")
	if r.status != 200 || string(r.body) != "edge_agent_up 1\n" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("metrics: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestBrowsersAndHostsRefused(t *testing.T) {
	srv, _ := startFake(t, api.Options{})
	for _, tc := range []struct {
		name   string
		req    request
		status int
		code   string
	}{
		{"origin", request{method: "GET", path: "/v1/status", header: map[string]string{"Origin": "http://evil.example"}}, 403, api.CodeBrowserRefused},
		{"referer", request{method: "GET", path: "/v1/status", header: map[string]string{"Referer": "http://evil.example/x"}}, 403, api.CodeBrowserRefused},
		{"origin on post", request{method: "POST", path: "/v1/sensors/env/samples", ctype: "application/json", body: []byte(`{"samples":[{"values":[1]}]}`), header: map[string]string{"Origin": "null"}}, 403, api.CodeBrowserRefused},
		{"other host", request{method: "GET", path: "/v1/status", host: "evil.example"}, 403, api.CodeHostRefused},
		{"host with port", request{method: "GET", path: "/v1/status", host: "localhost:8080"}, 403, api.CodeHostRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, srv.Path(), tc.req)
			eb := r.errorBody(t)
			if r.status != tc.status || eb.Error.Code != tc.code {
				t.Errorf("got %d %q, want %d %q", r.status, eb.Error.Code, tc.status, tc.code)
			}
		})
	}
	if r := send(t, srv.Path(), request{method: "GET", path: "/v1/status", host: "localhost"}); r.status != 200 {
		t.Errorf("Host localhost (curl --unix-socket): %d, want 200", r.status)
	}
}
