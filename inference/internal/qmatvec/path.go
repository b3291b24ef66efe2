package qmatvec

import (
	"fmt"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// kernel identifies one implementation of the product.
type kernel uint8

const (
	kernelGo   kernel = iota // portable Go, row-major
	kernelAVX2               // amd64 AVX2, VPMADDWD on widened weights
	kernelVNNI               // amd64 AVX-512 VNNI, VPDPBUSD
	kernelNEON               // arm64 Advanced SIMD, SMLAL by element
)

var kernelNames = [...]string{kernelGo: "generic", kernelAVX2: "avx2", kernelVNNI: "avx512vnni", kernelNEON: "neon"}

func (k kernel) String() string { return kernelNames[k] }

// kernelFor maps a gemm path, which must be available on this CPU, to the
// kernel that implements it here.
func kernelFor(p gemm.Path) (kernel, error) {
	if p == "" {
		p = gemm.Generic
	}
	if !gemm.Available(p) {
		return 0, fmt.Errorf("qmatvec: kernel path %q is not available on this CPU (available: %v)", p, gemm.Paths())
	}
	switch p.Vector() {
	case gemm.AVX2:
		return kernelAVX2, nil
	case gemm.AVX512VNNI:
		return kernelVNNI, nil
	case gemm.NEON:
		return kernelNEON, nil
	}
	return kernelGo, nil
}
