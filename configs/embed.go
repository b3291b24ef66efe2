// Package configs holds the shipped configuration files, embedded in the
// binaries: demo.yaml (what `make run` starts, and `edge-agent run` without
// --config) and edge-agent.yaml (the fully commented reference).
package configs

import (
	_ "embed"
	"slices"
)

//go:embed demo.yaml
var demo []byte

//go:embed edge-agent.yaml
var reference []byte

// Demo returns a copy of demo.yaml.
func Demo() []byte { return slices.Clone(demo) }

// Reference returns a copy of edge-agent.yaml.
func Reference() []byte { return slices.Clone(reference) }
