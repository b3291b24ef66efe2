package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"

	"github.com/edge-agent/edge-agent/agent/api"
)

// Error is an error answer of the agent: {"error":{"code","message"}} with
// its HTTP status.
type Error struct {
	Status  int    // HTTP status
	Code    string // e.g. "not_found", see the api.Code constants
	Message string // for people
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (%s, HTTP %d)", e.Message, e.Code, e.Status)
}

// IsCode reports whether err is (or wraps) an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// IsNotFound reports whether err is the agent's 404: no such model, sensor
// or endpoint.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// IsForbidden reports whether the agent refused the caller (403).
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusForbidden
}

// parseError turns a non-200 answer into an *Error. A body that is not an
// error document (a proxy, or the HTTP server's own plain-text 400) is
// kept as the message.
func parseError(status int, body []byte) *Error {
	var eb api.ErrorBody
	if err := json.Unmarshal(body, &eb); err == nil && eb.Error.Code != "" {
		msg := eb.Error.Message
		if msg == "" {
			msg = "the agent gave no message"
		}
		return &Error{Status: status, Code: eb.Error.Code, Message: msg}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if msg == "" {
		msg = "unexpected answer"
	}
	return &Error{Status: status, Code: "http_" + strconv.Itoa(status), Message: msg}
}

// dialError explains a failed request: no socket, nothing listening, or
// no permission to connect (with the group to join).
func dialError(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOENT):
		return fmt.Errorf("%w (no socket at %s)", ErrNotRunning, path)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w (nothing listens on %s)", ErrNotRunning, path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("connecting to %s: %w; %s", path, syscall.EACCES, permissionHint(path))
	}
	return fmt.Errorf("talking to edge-agent at %s: %w", path, err)
}

// permissionHint names the socket's group, which the user may join.
func permissionHint(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "run as root or as a member of the socket's group"
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "run as root or as a member of the socket's group"
	}
	group := strconv.FormatUint(uint64(st.Gid), 10)
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	return fmt.Sprintf("add your user to group %s (sudo usermod -aG %s $USER, then log in again) or run as root", group, group)
}
