// Package builtin registers every kernel edge-agent ships.
package builtin

import (
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/fc"
)

// Resolver returns a resolver with every builtin kernel registered.
func Resolver() *ops.Resolver {
	r := ops.NewResolver()
	fc.Register(r)
	return r
}
