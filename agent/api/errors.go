package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes the server sends in ErrorBody.Error.Code. A backend may use
// its own codes too; these are the ones the server itself produces.
const (
	CodeBadRequest       = "bad_request"            // 400: malformed body, query or path
	CodeForbidden        = "forbidden"              // 403: the peer may not use this endpoint
	CodeBrowserRefused   = "browser_refused"        // 403: the request carries Origin or Referer
	CodeHostRefused      = "host_refused"           // 403: unexpected Host header
	CodeNotFound         = "not_found"              // 404: no such endpoint, model or sensor
	CodeMethodNotAllowed = "method_not_allowed"     // 405: see the Allow header
	CodeTooLarge         = "too_large"              // 413: body over Options.MaxBody
	CodeUnsupportedMedia = "unsupported_media_type" // 415: Content-Type not accepted here
	CodeInternal         = "internal"               // 500: an error the backend did not classify
	CodeUnavailable      = "unavailable"            // 503: the agent cannot serve this now
)

// Error is an error with the HTTP status and code the server answers with.
// A Backend returns one (directly or wrapped) to choose the response; any
// other error becomes 500 "internal".
type Error struct {
	Status  int    // HTTP status, 400-599
	Code    string // machine-readable, e.g. "not_found"
	Message string // for people; lowercase, names what is wrong
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an Error with the given status and code.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest returns a 400 "bad_request" Error.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, CodeBadRequest, format, args...)
}

// NotFound returns a 404 "not_found" Error.
func NotFound(format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, CodeNotFound, format, args...)
}

// Forbidden returns a 403 "forbidden" Error.
func Forbidden(format string, args ...any) *Error {
	return Errorf(http.StatusForbidden, CodeForbidden, format, args...)
}

// Unavailable returns a 503 "unavailable" Error, for a model that is not
// loaded yet or a subsystem that is stopping.
func Unavailable(format string, args ...any) *Error {
	return Errorf(http.StatusServiceUnavailable, CodeUnavailable, format, args...)
}

// asError classifies err: an *Error (possibly wrapped) keeps its status
// and code, anything else is 500 "internal". A status outside 400-599 is
// treated as 500 so a backend mistake never reads as success.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e != nil {
		if e.Status < 400 || e.Status > 599 {
			return &Error{Status: http.StatusInternalServerError, Code: orDefault(e.Code, CodeInternal), Message: e.Message}
		}
		if e.Code == "" {
			return &Error{Status: e.Status, Code: CodeInternal, Message: e.Message}
		}
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error()}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
