package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
)

// unixClient returns an HTTP client that dials the socket at path.
func unixClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// errorBody decodes the reply as an error document, failing the test if
// it is not one.
func (r reply) errorBody(t *testing.T) api.ErrorBody {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	var eb api.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&eb); err != nil {
		t.Fatalf("error body %q is not {\"error\":{...}}: %v", r.body, err)
	}
	if eb.Error.Code == "" || eb.Error.Message == "" {
		t.Errorf("error body %q lacks a code or message", r.body)
	}
	return eb
}

// request is one request to send.
type request struct {
	method, path string
	ctype        string
	body         []byte
	header       map[string]string
	host         string
}

// send sends req to the server at path and reads the reply.
func send(t *testing.T, path string, req request) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, "http://edge-agent"+req.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if req.ctype != "" {
		hr.Header.Set("Content-Type", req.ctype)
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	if req.host != "" {
		hr.Host = req.host
	}
	resp, err := unixClient(path).Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.method, req.path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// get is send of a GET.
func get(t *testing.T, path, target string) reply {
	t.Helper()
	return send(t, path, request{method: http.MethodGet, path: target})
}

// startFake starts a server with a new fake backend.
func startFake(t *testing.T, o api.Options) (*api.Server, *apitest.Fake) {
	t.Helper()
	f := apitest.NewFake()
	if o.Backend == nil {
		o.Backend = f
	}
	return apitest.Start(t, o), f
}

// decode decodes a 200 reply's JSON into v.
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s; want 200", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}
