package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the config file at path and parses it with the --set
// overrides sets (each "key.path=value").
func Load(path string, sets []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path, sets)
}

// Parse decodes a YAML config. source names it in errors (a file name).
// The overrides sets (each "key.path=value") are applied to the document
// first; then every key is checked against the schema (unknown keys are
// errors), the values are decoded over Default(), list elements get their
// defaults, and the result is validated. An empty document gives the
// defaults. An explicit null (a key with no value) keeps the default.
//
// Errors are *Error values (joined when there are several) naming the
// source and line, or the --set argument, and the key path.
func Parse(data []byte, source string, sets []string) (*Config, error) {
	if source == "" {
		source = "config"
	}
	doc, err := parseDocument(data, source)
	if err != nil {
		return nil, err
	}
	made := map[*yaml.Node]string{}
	for _, s := range sets {
		if err := applySet(doc, s, made); err != nil {
			return nil, err
		}
	}
	w := newWalker(made)
	if len(doc.Content) > 0 {
		w.node(doc.Content[0], configType, "", 0)
	}
	if len(w.errs) > 0 {
		return nil, w.located(source, w.errs)
	}
	c := Default()
	if err := decodeStrict(doc, data, len(sets) > 0, source, c); err != nil {
		return nil, err
	}
	applyElementDefaults(c, func(p string) bool { return w.present[p] })
	if errs := c.problems(); len(errs) > 0 {
		return nil, w.located(source, errs)
	}
	return c, nil
}

// located fills in where each error's value came from.
func (w *walker) located(source string, errs []*Error) error {
	for _, e := range errs {
		e.Source = source
		if e.Line == 0 && e.Set == "" {
			l := w.where(e.Path)
			e.Line, e.Set = l.line, l.set
		}
	}
	return joinErrors(errs)
}

// parseDocument parses data into a document node (Kind 0 when empty). A
// second document is refused.
func parseDocument(data []byte, source string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{}, nil
		}
		return nil, yamlError(source, err, true)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Error{Source: source, Line: next.Line, Msg: "a second YAML document (after ---): a config is one document"}
	case !errors.Is(err, io.EOF):
		return nil, yamlError(source, err, true)
	}
	if doc.Kind != yaml.DocumentNode {
		return nil, &Error{Source: source, Msg: "not a YAML document"}
	}
	return &doc, nil
}

// decodeStrict decodes the document into c with unknown keys refused. The
// original bytes are decoded when no --set changed the document (so yaml's
// own line numbers hold), else the document is encoded again.
func decodeStrict(doc *yaml.Node, data []byte, changed bool, source string, c *Config) error {
	src := data
	if changed {
		var err error
		if src, err = yaml.Marshal(doc); err != nil {
			return &Error{Source: source, Msg: fmt.Sprintf("encoding the document after --set: %v", cleanYAML(err.Error()))}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return yamlError(source, err, !changed)
	}
	return nil
}

// yamlError turns an error of the yaml package into *Errors with the
// source and, when they refer to it (linesHold), its line numbers.
func yamlError(source string, err error, linesHold bool) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var errs []*Error
	for _, m := range msgs {
		e := &Error{Source: source, Msg: cleanYAML(m)}
		if n, rest, ok := splitLine(e.Msg); ok {
			e.Msg = rest
			if linesHold {
				e.Line = n
			}
		}
		errs = append(errs, e)
	}
	return joinErrors(errs)
}

// cleanYAML drops the "yaml: " prefix of the yaml package's messages.
func cleanYAML(m string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(m), "yaml:"))
}

// splitLine splits "line 12: message" into 12 and "message".
func splitLine(m string) (int, string, bool) {
	rest, ok := strings.CutPrefix(m, "line ")
	if !ok {
		return 0, m, false
	}
	num, msg, ok := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return 0, m, false
	}
	return n, msg, true
}
