// Package builtin registers every kernel edge-agent ships.
package builtin

import (
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/ops/activation"
	"github.com/edge-agent/edge-agent/inference/ops/arith"
	"github.com/edge-agent/edge-agent/inference/ops/conv"
	"github.com/edge-agent/edge-agent/inference/ops/convert"
	"github.com/edge-agent/edge-agent/inference/ops/fc"
	"github.com/edge-agent/edge-agent/inference/ops/pool"
	"github.com/edge-agent/edge-agent/inference/ops/recurrent"
	"github.com/edge-agent/edge-agent/inference/ops/reduce"
	"github.com/edge-agent/edge-agent/inference/ops/resize"
	"github.com/edge-agent/edge-agent/inference/ops/shape"
)

// Resolver returns a resolver with every builtin kernel registered.
func Resolver() *ops.Resolver {
	r := ops.NewResolver()
	activation.Register(r)
	arith.Register(r)
	fc.Register(r)
	pool.Register(r)
	recurrent.Register(r)
	reduce.Register(r)
	conv.Register(r)
	convert.Register(r)
	resize.Register(r)
	shape.Register(r)
	return r
}
