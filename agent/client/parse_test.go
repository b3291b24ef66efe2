package client

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/sync/wire"
)

func TestParseError(t *testing.T) {
	for _, tc := range []struct {
		status     int
		body       string
		code, want string
	}{
		{404, `{"error":{"code":"not_found","message":"no model \"x\""}}`, "not_found", `no model "x"`},
		{400, "400 Bad Request", "http_400", "400 Bad Request"},
		{502, "", "http_502", "Bad Gateway"},
		{599, "", "http_599", "unexpected answer"},
		{500, `{"error":{}}`, "http_500", `{"error":{}}`},
		{500, strings.Repeat("x", 500), "http_500", strings.Repeat("x", 200) + "..."},
	} {
		e := parseError(tc.status, []byte(tc.body))
		if e.Status != tc.status || e.Code != tc.code || e.Message != tc.want {
			t.Errorf("parseError(%d, %q) = %+v, want code %q message %q", tc.status, tc.body, e, tc.code, tc.want)
		}
	}
}

// FuzzParseError: any error answer becomes an *Error with a code and a
// bounded message.
func FuzzParseError(f *testing.F) {
	f.Add(404, []byte(`{"error":{"code":"not_found","message":"no model"}}`))
	f.Add(400, []byte("400 Bad Request"))
	f.Add(500, []byte(`{"error":{"code":"","message":"x"}}`))
	f.Add(413, []byte{})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseError(status, body)
		if e.Code == "" || e.Message == "" || e.Status != status {
			t.Fatalf("parseError(%d, %q) = %+v", status, body, e)
		}
		if !strings.HasPrefix(string(body), "{") && len(e.Message) > 203 {
			t.Fatalf("message of %d bytes", len(e.Message))
		}
	})
}

// FuzzReadStream: any stream body yields records one by one and ends with
// ErrStreamEnded or a bad-record error, never a panic.
func FuzzReadStream(f *testing.F) {
	f.Add([]byte("{\"seq\":1,\"ts\":\"2025-06-01T12:00:00Z\",\"pipeline\":\"motion\",\"model\":{\"name\":\"demo-motion\",\"version\":1,\"sha256\":\"ab\"},\"latency_us\":420,\"output\":[0.1,0.8,0.1],\"top\":[{\"label\":\"walking\",\"score\":0.8}]}\n{\"seq\":2}\n"))
	f.Add([]byte("\n\n{\"seq\":3}"))
	f.Add([]byte("{\"seq\":\"x\"}\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		n := 0
		err := readStream(context.Background(), strings.NewReader(string(body)), func(wire.Prediction) error { n++; return nil })
		if err == nil {
			t.Fatalf("readStream ended without an error after %d records", n)
		}
		if !errors.Is(err, ErrStreamEnded) && !strings.Contains(err.Error(), "prediction stream") {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
