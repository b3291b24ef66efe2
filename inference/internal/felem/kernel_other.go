//go:build !amd64 && !arm64

package felem

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// kernel names a vector kernel; there are none outside amd64 and arm64.
type kernel uint8

// hasHalf reports that there is no half-width kernel.
func (kernel) hasHalf() bool { return false }

// kernelFor reports no vector kernel outside amd64 and arm64.
func kernelFor(gemm.Path, Op, float32, float32) (kernel, int, gemm.Path) { return 0, 0, gemm.Generic }

// runVectors is never reached outside amd64 and arm64.
func (k *Kernel) runVectors(out, x, y []float32, sx, sy int) int { return 0 }
