package qadd

import (
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// kind is the implementation a Kernel runs.
type kind uint8

const (
	kindGeneric kind = iota // Params.Eval per element
	kindAVX2                // avx2_amd64.s, 16 elements a block
	kindAVX512              // avx512_amd64.s, 32 elements a block
	kindNEON                // neon_arm64.s, 16 elements a block
)

// maxBlock is the largest block of any vector kernel.
const maxBlock = 32

// Kernel is a prepared int8 ADD or SUB on one kernel path. It is read-only
// after New, so one Kernel may run on several goroutines at once.
type Kernel struct {
	p     Params
	path  gemm.Path
	kind  kind
	block int // elements per kernel block; 0 for the generic path
	c     consts
}

// New prepares p for path. The path must be available on this CPU
// (gemm.Available) and p must pass Validate. The neon and sdot paths run
// the same kernel; avx512vnni's needs AVX-512F only.
func New(path gemm.Path, p Params) (*Kernel, error) {
	if !gemm.Available(path) {
		return nil, fmt.Errorf("qadd: kernel path %q is not available on this CPU (available: %v)", path, gemm.Paths())
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	k := &Kernel{p: p, path: path}
	k.kind, k.block = kindFor(path)
	k.c = newConsts(&p)
	return k, nil
}

// Path returns the kernel path k runs.
func (k *Kernel) Path() gemm.Path { return k.path }

// Params returns the parameters k computes with.
func (k *Kernel) Params() Params { return k.p }

// Run computes out[i] = x[i] + y[i] (x[i] - y[i] for SUB) with the
// quantized arithmetic of the package comment, for i below
// n = min(len(out), len(x), len(y)), and returns n, as copy does. It does
// not allocate. out may be x or y itself, but must not overlap them
// otherwise.
func (k *Kernel) Run(out, x, y []int8) int {
	n := min(len(out), len(x), len(y))
	if k.block == 0 {
		p := &k.p
		for i := range n {
			out[i] = p.Eval(x[i], y[i])
		}
		return n
	}
	nb := n / k.block
	if nb > 0 {
		k.runBlocks(&out[0], &x[0], &y[0], nb)
	}
	if done := nb * k.block; done < n {
		// The tail goes through one block on the stack.
		var bx, by, bo [maxBlock]int8
		copy(bx[:], x[done:n])
		copy(by[:], y[done:n])
		k.runBlocks(&bo[0], &bx[0], &by[0], 1)
		copy(out[done:n], bo[:])
	}
	return n
}
