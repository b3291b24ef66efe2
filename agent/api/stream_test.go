package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// stream opens GET target on the server and returns a reader of its lines
// and the response; the stream is closed when the test ends.
func stream(t *testing.T, ctx context.Context, path, target string) (*bufio.Scanner, *http.Response) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://edge-agent"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := unixClient(path).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("GET %s: %d %q, want 200 application/x-ndjson", target, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return bufio.NewScanner(resp.Body), resp
}

// nextSeq reads one NDJSON line and returns its record's seq.
func nextSeq(t *testing.T, sc *bufio.Scanner) uint64 {
	t.Helper()
	if !sc.Scan() {
		t.Fatalf("stream ended early: %v", sc.Err())
	}
	var p wire.Prediction
	if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
		t.Fatalf("line %q is not a prediction record: %v", sc.Bytes(), err)
	}
	if p.Pipeline != "motion" || len(p.Top) != 1 {
		t.Errorf("record %s lost fields", sc.Bytes())
	}
	return p.Seq
}

// waitFor polls cond until it holds; the deadline only keeps a broken
// test from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStreamHistoryThenLive(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	publish(f.Publish, 1, 3)
	sc, _ := stream(t, context.Background(), srv.Path(), "/v1/predictions/stream?since_seq=1")
	for _, want := range []uint64{2, 3} {
		if got := nextSeq(t, sc); got != want {
			t.Fatalf("history record seq %d, want %d", got, want)
		}
	}
	publish(f.Publish, 4, 5)
	for _, want := range []uint64{4, 5} {
		if got := nextSeq(t, sc); got != want {
			t.Fatalf("live record seq %d, want %d", got, want)
		}
	}
}

func TestStreamWithoutSinceIsLiveOnly(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	publish(f.Publish, 1, 3)
	// The server subscribes before it sends the headers, so records
	// published after stream returns reach this stream.
	sc, _ := stream(t, context.Background(), srv.Path(), "/v1/predictions/stream")
	publish(f.Publish, 4, 4)
	if got := nextSeq(t, sc); got != 4 {
		t.Fatalf("first record seq %d, want 4 (only records after the request)", got)
	}
}

func TestStreamEndsWhenClientLeaves(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	stream(t, ctx, srv.Path(), "/v1/predictions/stream")
	if n := f.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers, want 1", n)
	}
	cancel()
	waitFor(t, "the subscription to be released", func() bool { return f.Subscribers() == 0 })
}

func TestStreamEndsWhenBackendCloses(t *testing.T) {
	srv, f := startFake(t, api.Options{})
	sc, _ := stream(t, context.Background(), srv.Path(), "/v1/predictions/stream?since_seq=0")
	f.CloseSubscribers()
	if sc.Scan() {
		t.Fatalf("read %q after the backend closed the subscription", sc.Bytes())
	}
	if sc.Err() != nil {
		t.Errorf("stream did not end cleanly: %v", sc.Err())
	}
}

func TestShutdownEndsStreams(t *testing.T) {
	f := apitest.NewFake()
	dir := apitest.SocketDir(t)
	srv, err := api.Listen(api.Options{Path: dir + "/agent.sock", Backend: f, Logger: apitest.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background()) }()
	sc, _ := stream(t, context.Background(), srv.Path(), "/v1/predictions/stream")
	publish(f.Publish, 1, 1)
	if got := nextSeq(t, sc); got != 1 {
		t.Fatalf("seq %d, want 1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	for sc.Scan() {
		t.Errorf("read %q after shutdown", sc.Bytes())
	}
	if err := sc.Err(); err != nil && err != io.ErrUnexpectedEOF {
		t.Errorf("stream end: %v", err)
	}
	if f.Subscribers() != 0 {
		t.Errorf("%d subscriptions left open after shutdown", f.Subscribers())
	}
	if _, err := unixClient(srv.Path()).Get("http://edge-agent/v1/status"); err == nil {
		t.Errorf("the server still answers after Shutdown")
	}
}
