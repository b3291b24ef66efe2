package api_test

import (
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
)

// TestGarbageAndHalfRequests sends what a broken or hostile client might:
// random bytes, a request cut short, a request line that never ends, a
// header block over the limit. The server answers or drops each
// connection and keeps serving others.
func TestGarbageAndHalfRequests(t *testing.T) {
	srv, _ := startFake(t, api.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	bigHeader := []byte("GET /v1/status HTTP/1.1\r\nHost: edge-agent\r\nX-Big: ")
	for len(bigHeader) < 200<<10 {
		bigHeader = append(bigHeader, 'a')
	}
	bigHeader = append(bigHeader, "\r\n\r\n"...)
	inputs := map[string][]byte{
		"random bytes":       garbage,
		"random then crlfs":  append(append([]byte{}, garbage[:100]...), "\r\n\r\n"...),
		"half request":       []byte("GET /v1/status HTTP/1.1\r\nHost: edge-"),
		"bad version":        []byte("GET /v1/status HTTP/9.9\r\n\r\n"),
		"no request line":    []byte("\r\n\r\n\r\n"),
		"oversized header":   bigHeader,
		"lying length":       []byte("POST /v1/sensors/env/samples HTTP/1.1\r\nHost: edge-agent\r\nContent-Length: 100\r\n\r\n{\"sam"),
		"bad chunked":        []byte("POST /v1/models/demo-motion/infer HTTP/1.1\r\nHost: edge-agent\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
		"binary method name": []byte("\x00\x01\x02 / HTTP/1.1\r\n\r\n"),
	}
	var held []net.Conn
	for name, in := range inputs {
		c, err := net.Dial("unix", srv.Path())
		if err != nil {
			t.Fatalf("%s: dial: %v", name, err)
		}
		if _, err := c.Write(in); err != nil {
			t.Logf("%s: write: %v (the server may close early)", name, err)
		}
		if name == "half request" || name == "lying length" {
			held = append(held, c) // left open, unfinished: slowloris
			continue
		}
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		reply, _ := io.ReadAll(c) // the server answers 4xx or just closes
		if len(reply) > 0 && string(reply[:9]) != "HTTP/1.1 " {
			t.Errorf("%s: reply %q is not HTTP", name, reply)
		}
		c.Close()
		if r := get(t, srv.Path(), "/v1/status"); r.status != 200 {
			t.Fatalf("after %s: status %d, want 200", name, r.status)
		}
	}
	// Unfinished requests on held connections do not block others.
	if r := get(t, srv.Path(), "/v1/status"); r.status != 200 {
		t.Errorf("with half requests held open: status %d, want 200", r.status)
	}
	for _, c := range held {
		c.Close()
	}
}
