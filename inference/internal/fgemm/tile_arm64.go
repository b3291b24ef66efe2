package fgemm

// tileNEON computes t.panels panels of 4 rows × 16 channels.
//
//go:noescape
func tileNEON(t *args)

// rowNEON computes one row × 4 panels of 16 channels.
//
//go:noescape
func rowNEON(t *args)

// tile runs the tile kernel on t (neon and sdot share it).
func (p *PackedFloat32) tile(t *args) { tileNEON(t) }

// row runs the one-row kernel on t (neon and sdot share it).
func (p *PackedFloat32) row(t *args) { rowNEON(t) }
