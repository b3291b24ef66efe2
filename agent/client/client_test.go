package client_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"math"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/api/apitest"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/sync/wire"
)

func start(t *testing.T) (*client.Client, *apitest.Fake, *api.Server) {
	t.Helper()
	f := apitest.NewFake()
	srv := apitest.Start(t, api.Options{Backend: f})
	c := client.New(srv.Path())
	t.Cleanup(c.Close)
	return c, f, srv
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestDocuments(t *testing.T) {
	c, f, _ := start(t)
	st, err := c.Status(ctx(t))
	if err != nil || !reflect.DeepEqual(st, f.StatusDoc) {
		t.Errorf("Status = %+v, %v; want %+v", st, err, f.StatusDoc)
	}
	hw, err := c.Hardware(ctx(t))
	if err != nil || !bytes.Equal(hw, f.HardwareDoc) {
		t.Errorf("Hardware = %s, %v; want %s", hw, err, f.HardwareDoc)
	}
	ms, err := c.Models(ctx(t))
	if err != nil || !reflect.DeepEqual(ms, f.ModelList) {
		t.Errorf("Models = %+v, %v", ms, err)
	}
	b, err := c.Buffer(ctx(t))
	if err != nil || !reflect.DeepEqual(b, f.BufferDoc) {
		t.Errorf("Buffer = %+v, %v", b, err)
	}
}

func TestInfer(t *testing.T) {
	c, _, _ := start(t)
	in := make([]float64, 96)
	raw := make([]byte, 0, 4*96)
	for i := range in {
		in[i] = float64(i % 3) // channel means 0, 1, 2: "shaking" wins
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(in[i])))
	}
	for name, call := range map[string]func() (api.InferResponse, error){
		"numbers": func() (api.InferResponse, error) {
			return c.Infer(ctx(t), apitest.DemoModel, api.InferRequest{Inputs: [][]float64{in}})
		},
		"raw": func() (api.InferResponse, error) { return c.InferRaw(ctx(t), apitest.DemoModel, raw) },
	} {
		resp, err := call()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(resp.Outputs) != 1 || !reflect.DeepEqual(resp.Outputs[0].Values, api.Values{0, 1, 2}) || resp.Top[0].Label != "shaking" {
			t.Errorf("%s: %+v, want values [0 1 2] and top shaking", name, resp)
		}
	}
}

func TestErrors(t *testing.T) {
	c, _, _ := start(t)
	_, err := c.Infer(ctx(t), "missing-model", api.InferRequest{Inputs: [][]float64{{1}}})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != api.CodeNotFound || !client.IsNotFound(err) || !client.IsCode(err, api.CodeNotFound) {
		t.Fatalf("unknown model: %v, want a 404 not_found *client.Error", err)
	}
	if !strings.Contains(err.Error(), `infer missing-model: no model "missing-model" (not_found, HTTP 404)`) {
		t.Errorf("message %q", err)
	}
	_, err = c.InferRaw(ctx(t), apitest.DemoModel, []byte{1, 2, 3})
	if !client.IsCode(err, api.CodeBadRequest) || !strings.Contains(err.Error(), "3 bytes") {
		t.Errorf("bad raw input: %v, want bad_request naming the size", err)
	}
	_, err = c.InferRaw(ctx(t), apitest.DemoModel, nil)
	if !client.IsCode(err, api.CodeBadRequest) || !strings.Contains(err.Error(), "empty body") {
		t.Errorf("empty raw input: %v, want bad_request", err)
	}
	_, err = c.Predictions(ctx(t), 0, api.MaxLimit+1)
	if !client.IsCode(err, api.CodeBadRequest) || client.IsForbidden(err) {
		t.Errorf("limit too big: %v, want bad_request", err)
	}
	_, err = c.PushSamples(ctx(t), "nope", []api.PushedSample{{Values: []float64{1}}})
	if !client.IsNotFound(err) {
		t.Errorf("unknown sensor: %v, want not found", err)
	}
}

func TestNotRunning(t *testing.T) {
	dir := apitest.SocketDir(t)
	missing := filepath.Join(dir, "none.sock")
	_, err := client.New(missing).Status(ctx(t))
	if !client.IsNotRunning(err) || !strings.Contains(err.Error(), "edge-agent is not running (no socket at "+missing+")") {
		t.Errorf("missing socket: %v", err)
	}
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	_, err = client.New(stale).Models(ctx(t))
	if !client.IsNotRunning(err) || !strings.Contains(err.Error(), "nothing listens on "+stale) {
		t.Errorf("stale socket: %v", err)
	}
}

func TestContextEnds(t *testing.T) {
	c, _, _ := start(t)
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Status(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v, want context.Canceled", err)
	}
}

func TestPredictionsAndStream(t *testing.T) {
	c, f, srv := start(t)
	for s := uint64(1); s <= 5; s++ {
		f.Publish(wire.Prediction{Seq: s, Pipeline: "motion", Output: json.RawMessage(`[1]`)})
	}
	p, err := c.Predictions(ctx(t), 2, 2)
	if err != nil || len(p.Records) != 2 || p.Records[0].Seq != 3 || p.Records[1].Seq != 4 || p.LastSeq != 5 {
		t.Fatalf("Predictions(2, 2) = %+v, %v; want seqs 3, 4 of 5", p, err)
	}
	if p, err := c.Predictions(ctx(t), 0, 0); err != nil || len(p.Records) != 5 {
		t.Errorf("Predictions(0, 0) = %d records, %v; want all 5", len(p.Records), err)
	}

	// History after since, then live; fn's error ends the stream.
	stop := errors.New("enough")
	var got []uint64
	live := make(chan struct{})
	go func() {
		<-live
		f.Publish(wire.Prediction{Seq: 6, Pipeline: "motion"})
	}()
	err = c.Stream(ctx(t), 3, func(p wire.Prediction) error {
		got = append(got, p.Seq)
		if p.Seq == 5 {
			close(live)
		}
		if p.Seq == 6 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !reflect.DeepEqual(got, []uint64{4, 5, 6}) {
		t.Errorf("Stream(3) = %v after %v, want seqs [4 5 6] and fn's error", err, got)
	}

	// FromNow skips the history; a server shutdown ends the stream.
	waitSubscribers(t, f, 0) // the first stream's subscription is released
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := make(chan uint64, 1)
	done := make(chan error, 1)
	go func() {
		done <- c.Stream(sctx, client.FromNow, func(p wire.Prediction) error {
			select {
			case first <- p.Seq:
			default:
			}
			return nil
		})
	}()
	waitSubscribers(t, f, 1)
	f.Publish(wire.Prediction{Seq: 7, Pipeline: "motion"})
	if s := <-first; s != 7 {
		t.Errorf("FromNow: first record %d, want 7", s)
	}
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, client.ErrStreamEnded) {
		t.Errorf("stream after shutdown: %v, want ErrStreamEnded", err)
	}
}

func TestStreamCancel(t *testing.T) {
	c, f, _ := start(t)
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Stream(cctx, 0, func(wire.Prediction) error { return nil }) }()
	waitSubscribers(t, f, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled stream: %v, want context.Canceled", err)
	}
}

func TestPush(t *testing.T) {
	c, f, _ := start(t)
	ts := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	n, err := c.PushSamples(ctx(t), "env", []api.PushedSample{{TS: &ts, Values: []float64{21.5, 40}}, {Values: []float64{22, 41}}})
	if err != nil || n != 2 {
		t.Fatalf("PushSamples = %d, %v; want 2", n, err)
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	if n, err := c.PushBody(ctx(t), "env", "image/png", pngBuf.Bytes()); err != nil || n != 1 {
		t.Fatalf("PushBody png = %d, %v", n, err)
	}
	got := f.Pushed("env")
	if len(got) != 3 || !got[0].TS.Equal(ts) || got[1].Values[1] != 41 || got[2].Image.Bounds().Dx() != 3 {
		t.Errorf("backend got %+v", got)
	}
}

// waitSubscribers waits until the fake has n open subscriptions; the
// deadline only keeps a broken test from hanging.
func waitSubscribers(t *testing.T, f *apitest.Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for f.Subscribers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions, want %d", f.Subscribers(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
