package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Infer runs one inference with inputs given as numbers or raw bytes
// (POST /v1/models/{name}/infer).
func (c *Client) Infer(ctx context.Context, model string, req api.InferRequest) (api.InferResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return api.InferResponse{}, fmt.Errorf("infer %s: %w", model, err)
	}
	var resp api.InferResponse
	err = c.getJSON(ctx, http.MethodPost, "/v1/models/"+url.PathEscape(model)+"/infer", nil, "application/json", body, &resp)
	return resp, wrap("infer "+model, err)
}

// InferRaw runs one inference on the raw little-endian bytes of the model's
// input 0.
func (c *Client) InferRaw(ctx context.Context, model string, input []byte) (api.InferResponse, error) {
	if input == nil {
		input = []byte{}
	}
	var resp api.InferResponse
	err := c.getJSON(ctx, http.MethodPost, "/v1/models/"+url.PathEscape(model)+"/infer", nil, "application/octet-stream", input, &resp)
	return resp, wrap("infer "+model, err)
}

// Predictions returns up to limit held records with seq > since (GET
// /v1/predictions); limit 0 asks for the server's default (api.DefaultLimit).
func (c *Client) Predictions(ctx context.Context, since uint64, limit int) (api.Predictions, error) {
	q := url.Values{}
	if since > 0 {
		q.Set("since_seq", strconv.FormatUint(since, 10))
	}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var p api.Predictions
	err := c.getJSON(ctx, http.MethodGet, "/v1/predictions", q, "", nil, &p)
	return p, wrap("predictions", err)
}

// FromNow, as Stream's since, asks only for records made from now on.
const FromNow = math.MaxUint64

// ErrStreamEnded is returned by Stream when the agent ends the stream (it
// is shutting down, or the client fell too far behind).
var ErrStreamEnded = errors.New("the agent ended the prediction stream")

// maxRecordLine bounds one NDJSON line of the stream.
const maxRecordLine = 16 << 20

// Stream calls fn with each prediction record of the live stream (GET
// /v1/predictions/stream): first the held records with seq > since, then
// each new one (since FromNow: new ones only). It returns fn's error if fn
// fails, ctx's error when ctx ends, and ErrStreamEnded when the agent
// closes the stream.
func (c *Client) Stream(ctx context.Context, since uint64, fn func(wire.Prediction) error) error {
	q := url.Values{}
	if since != FromNow {
		q.Set("since_seq", strconv.FormatUint(since, 10))
	}
	resp, err := c.do(ctx, http.MethodGet, "/v1/predictions/stream", q, "", nil)
	if err != nil {
		return wrap("prediction stream", err)
	}
	defer resp.Body.Close()
	return readStream(ctx, resp.Body, fn)
}

// readStream reads NDJSON prediction records from r until it ends.
func readStream(ctx context.Context, r io.Reader, fn func(wire.Prediction) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordLine)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var p wire.Prediction
		if err := json.Unmarshal(line, &p); err != nil {
			return fmt.Errorf("prediction stream: bad record %.80q: %w", line, err)
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("prediction stream: %w", err)
	}
	return ErrStreamEnded
}

// PushSamples pushes time-series samples to a socket sensor (POST
// /v1/sensors/{name}/samples) and returns how many the agent accepted.
func (c *Client) PushSamples(ctx context.Context, sensor string, samples []api.PushedSample) (int, error) {
	body, err := json.Marshal(api.SamplesRequest{Samples: samples})
	if err != nil {
		return 0, fmt.Errorf("push to %s: %w", sensor, err)
	}
	return c.PushBody(ctx, sensor, "application/json", body)
}

// PushBody pushes one raw tensor (contentType application/octet-stream) or
// one image (image/png, image/jpeg, image/bmp) to a socket sensor.
func (c *Client) PushBody(ctx context.Context, sensor, contentType string, body []byte) (int, error) {
	if body == nil {
		body = []byte{}
	}
	var resp api.SamplesResponse
	err := c.getJSON(ctx, http.MethodPost, "/v1/sensors/"+url.PathEscape(sensor)+"/samples", nil, contentType, body, &resp)
	return resp.Accepted, wrap("push to "+sensor, err)
}
