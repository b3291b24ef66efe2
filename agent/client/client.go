// Package client is the typed client of edge-agent's local socket API
// (package api): edgectl, device apps written in Go and the integration
// tests reach the agent only through it.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
)

// DefaultSocket is where the agent listens unless configured otherwise.
const DefaultSocket = "/run/edge-agent/agent.sock"

// maxResponse bounds a response document the client reads.
const maxResponse = 256 << 20

// Client talks to one agent's socket. It is safe for concurrent use.
type Client struct {
	path string
	hc   *http.Client
}

// New returns a client of the agent listening at socketPath. Nothing is
// dialled until the first call.
func New(socketPath string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
		DisableCompression:    true,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 0, // inference may take long; contexts bound calls
	}
	return &Client{path: socketPath, hc: &http.Client{Transport: tr}}
}

// Path returns the socket path the client dials.
func (c *Client) Path() string { return c.path }

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// do sends a request and returns the response for a 200, or the error
// document of any other status as an *Error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, ctype string, body []byte) (*http.Response, error) {
	u := "http://edge-agent" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, dialError(c.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, parseError(resp.StatusCode, b)
	}
	return resp, nil
}

// getJSON sends a request and decodes the JSON answer into v.
func (c *Client) getJSON(ctx context.Context, method, path string, query url.Values, ctype string, body []byte, v any) error {
	resp, err := c.do(ctx, method, path, query, ctype, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponse)).Decode(v); err != nil {
		return fmt.Errorf("reading the agent's answer to %s %s: %w", method, path, err)
	}
	return nil
}

// Status returns GET /v1/status.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	var st api.Status
	err := c.getJSON(ctx, http.MethodGet, "/v1/status", nil, "", nil, &st)
	return st, wrap("status", err)
}

// Hardware returns the agent's hardware profile (GET /v1/hardware) as
// JSON; decode it into an hwprobe.Profile.
func (c *Client) Hardware(ctx context.Context) (json.RawMessage, error) {
	var doc json.RawMessage
	err := c.getJSON(ctx, http.MethodGet, "/v1/hardware", nil, "", nil, &doc)
	return doc, wrap("hardware", err)
}

// Models returns the served models (GET /v1/models).
func (c *Client) Models(ctx context.Context) ([]api.Model, error) {
	var ms []api.Model
	err := c.getJSON(ctx, http.MethodGet, "/v1/models", nil, "", nil, &ms)
	return ms, wrap("models", err)
}

// Buffer returns the outbox's state (GET /v1/buffer).
func (c *Client) Buffer(ctx context.Context) (api.Buffer, error) {
	var b api.Buffer
	err := c.getJSON(ctx, http.MethodGet, "/v1/buffer", nil, "", nil, &b)
	return b, wrap("buffer", err)
}

// Metrics returns the Prometheus text exposition (GET /metrics).
func (c *Client) Metrics(ctx context.Context) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, "/metrics", nil, "", nil)
	if err != nil {
		return nil, wrap("metrics", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	return b, wrap("metrics", err)
}

// wrap adds what was asked to an error, keeping *Error and the sentinel
// errors reachable with errors.As and errors.Is.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ErrNotRunning is returned (wrapped, with the socket path) when no agent
// answers at the socket.
var ErrNotRunning = errors.New("edge-agent is not running")

// IsNotRunning reports whether err says that no agent answers at the
// socket.
func IsNotRunning(err error) bool { return errors.Is(err, ErrNotRunning) }
