package command

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// MaxIDLen bounds a command id.
const MaxIDLen = 200

// Decode decodes a command payload (SPEC.md: {"id", "name", "args"?,
// "expires_at"?}). It refuses, with a *wire.Error of code
// wire.CodeBadRequest, anything but a JSON object with a non-empty string id
// of at most MaxIDLen bytes, a non-empty string name of at most MaxNameLen
// bytes, args that are an object (or null), and an RFC 3339 expires_at (or
// null). Unknown members are ignored. Even when it refuses a command, the
// returned command carries the id when one could be read, so that the error
// response can name it. It never panics.
func Decode(payload []byte) (wire.Command, *wire.Error) {
	var cmd wire.Command
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return cmd, badRequest("malformed command: %v", err)
	}
	if raw == nil {
		return cmd, badRequest("malformed command: not a JSON object")
	}
	id, ok := raw["id"]
	if !ok {
		return cmd, badRequest("missing id")
	}
	if err := json.Unmarshal(id, &cmd.ID); err != nil {
		return cmd, badRequest("id is not a string")
	}
	switch {
	case cmd.ID == "":
		return cmd, badRequest("empty id")
	case len(cmd.ID) > MaxIDLen:
		n := len(cmd.ID)
		cmd.ID = ""
		return cmd, badRequest("id of %d bytes is longer than %d", n, MaxIDLen)
	}
	name, ok := raw["name"]
	if !ok {
		return cmd, badRequest("missing name")
	}
	if err := json.Unmarshal(name, &cmd.Name); err != nil {
		return cmd, badRequest("name is not a string")
	}
	switch {
	case cmd.Name == "":
		return cmd, badRequest("empty name")
	case len(cmd.Name) > MaxNameLen:
		n := len(cmd.Name)
		cmd.Name = ""
		return cmd, badRequest("name of %d bytes is longer than %d", n, MaxNameLen)
	}
	if args, ok := raw["args"]; ok && !isNull(args) {
		if t := bytes.TrimSpace(args); len(t) == 0 || t[0] != '{' {
			return cmd, badRequest("args is not a JSON object")
		}
		cmd.Args = args
	}
	if exp, ok := raw["expires_at"]; ok && !isNull(exp) {
		var t time.Time
		if err := json.Unmarshal(exp, &t); err != nil {
			return cmd, badRequest("expires_at is not an RFC 3339 time: %v", err)
		}
		cmd.ExpiresAt = &t
	}
	return cmd, nil
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func badRequest(format string, args ...any) *wire.Error {
	return &wire.Error{Code: wire.CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}
