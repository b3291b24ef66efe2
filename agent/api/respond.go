package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// writeJSON writes v as the JSON response with status 200.
func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return writeRawJSON(w, b)
}

// writeRawJSON writes a JSON document as the response with status 200.
func writeRawJSON(w http.ResponseWriter, b []byte) error {
	writeJSONStatus(w, http.StatusOK, b)
	return nil
}

// writeError writes err as {"error":{"code","message"}} with its status.
func writeError(w http.ResponseWriter, err error) {
	e := asError(err)
	b, _ := json.Marshal(ErrorBody{Error: wire.Error{Code: e.Code, Message: e.Message}})
	writeJSONStatus(w, e.Status, b)
}

// writeJSONStatus writes b and a newline with status and the headers every
// JSON response carries.
func writeJSONStatus(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

// readBody reads a request body that http.MaxBytesReader bounds; a body
// over the bound is 413.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, Errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body is over the limit of %d bytes", tooBig.Limit)
	}
	if err != nil {
		return nil, BadRequest("reading the request body: %v", err)
	}
	return b, nil
}

// mediaType returns the request's media type, lowercased and without
// parameters; "" when there is no Content-Type.
func mediaType(r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", BadRequest("Content-Type %q: %v", ct, err)
	}
	return mt, nil
}

// decodeJSON decodes exactly one JSON value into v, refusing unknown
// fields and trailing data, with a message naming the problem.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return BadRequest("empty body: want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return BadRequest("bad JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return BadRequest("bad JSON: field %q: %s does not fit %s", typ.Field, typ.Value, typ.Type)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return BadRequest("bad JSON: body ends in the middle of a value")
		}
		return BadRequest("bad JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return BadRequest("bad JSON: data after the first value at byte %d", dec.InputOffset())
	}
	return nil
}
