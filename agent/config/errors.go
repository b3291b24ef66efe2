package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Error is one problem with a configuration: what is wrong, at which key,
// and where the value came from. Parse returns one or more of them
// (errors.Join); find them with errors.As.
type Error struct {
	// Source is the file name given to Parse ("" from Validate).
	Source string
	// Line is the 1-based line in Source, 0 when unknown.
	Line int
	// Set is the --set argument the value came from, if it did.
	Set string
	// Path is the key, e.g. "sensors[0].rate" ("" for the document).
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error formats e as "config.yaml:12: sensors[0].rate: must be > 0", or
// "--set sensors.0.rate=0: sensors[0].rate: must be > 0".
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Set != "":
		b.WriteString("--set " + e.Set + ": ")
	case e.Source != "":
		b.WriteString(e.Source)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxErrors caps how many problems one error reports.
const maxErrors = 20

// joinErrors returns nil, the one error, or all of them joined (one per
// line), capped at maxErrors.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == 1 {
		return errs[0]
	}
	var all []error
	for i, e := range errs {
		if i == maxErrors {
			all = append(all, fmt.Errorf("... and %d more", len(errs)-maxErrors))
			break
		}
		all = append(all, e)
	}
	return errors.Join(all...)
}

// problems collects validation errors.
type problems struct{ errs []*Error }

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// oneOf checks that v is one of allowed.
func (p *problems) oneOf(path, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	p.add(path, "%q is not one of %s", v, strings.Join(allowed, ", "))
}
