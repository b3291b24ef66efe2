package fgemm

import "github.com/edge-agent/edge-agent/inference/internal/gemm"

// tileAVX2 computes t.panels panels of 6 rows × 16 channels.
//
//go:noescape
func tileAVX2(t *args)

// rowAVX2 computes one row × 4 panels of 16 channels.
//
//go:noescape
func rowAVX2(t *args)

// tileZMM computes t.panels panels of 8 rows × 32 channels with AVX-512 F.
//
//go:noescape
func tileZMM(t *args)

// rowZMM computes one row × 4 panels of 32 channels with AVX-512 F.
//
//go:noescape
func rowZMM(t *args)

// tile runs the path's tile kernel on t.
func (p *PackedFloat32) tile(t *args) {
	if p.path == gemm.AVX512VNNI {
		tileZMM(t)
		return
	}
	tileAVX2(t)
}

// row runs the path's one-row kernel on t.
func (p *PackedFloat32) row(t *args) {
	if p.path == gemm.AVX512VNNI {
		rowZMM(t)
		return
	}
	rowAVX2(t)
}
