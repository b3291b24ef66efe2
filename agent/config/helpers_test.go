package config

import (
	"errors"
	"strings"
	"testing"
)

// base is a small valid config the tests change one thing of.
const base = `device: {id: dev-1}
data_dir: /tmp/edge
models:
  - name: m1
    path: builtin:demo-motion
sensors:
  - name: accel
    type: simulated
    simulated: {signal: motion}
  - name: env
    type: socket
    socket: {channels: [temp, humidity]}
  - name: cam
    type: file
    file: {path: /data/frames}
pipelines:
  - name: motion
    sensor: accel
    model: m1
    preprocess:
      window: {size: 32, stride: 8}
`

// allErrors flattens the *Error values in err.
func allErrors(err error) []*Error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*Error
		for _, e := range j.Unwrap() {
			out = append(out, allErrors(e)...)
		}
		return out
	}
	var ce *Error
	if errors.As(err, &ce) {
		return []*Error{ce}
	}
	return nil
}

// mustParse parses src (named config.yaml) and fails the test on error.
func mustParse(t *testing.T, src string, sets ...string) *Config {
	t.Helper()
	c, err := Parse([]byte(src), "config.yaml", sets)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

// wantError checks that err holds an *Error at path whose message holds
// msg, from line (when line > 0), and returns it.
func wantError(t *testing.T, err error, line int, path, msg string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s: %s", path, msg)
	}
	for _, e := range allErrors(err) {
		if e.Path == path && strings.Contains(e.Msg, msg) {
			if line > 0 && e.Line != line {
				t.Fatalf("error %q is on line %d, want %d", e, e.Line, line)
			}
			return e
		}
	}
	t.Fatalf("error %q has no %s: ...%s...", err, path, msg)
	return nil
}
