package gemm

import "unsafe"

// tileBytes is the size of runSIMD's scratch tile.
const tileBytes = armMR * armNR

// tileArgs is what the arm64 assembly kernels read (through go_asm.h
// offsets): the activation rows of one tile (rows past the end of the
// matrix repeat its last row, and their outputs go to that row too, with
// the same values), the output rows at the first panel's column, each
// row's partial last K block, and the first panel of a run of panels.
type tileArgs struct {
	a      [armMR]unsafe.Pointer // activation rows (int8)
	d      [armMR]unsafe.Pointer // output rows (int8), at the first panel
	tail   [armMR][16]int8       // the row's activations past the full blocks, zero-padded
	w      unsafe.Pointer        // the first panel's weights
	meta   unsafe.Pointer        // the first panel's meta block
	cst    unsafe.Pointer        // *consts
	panels int                   // panels to compute, one after the other
	kq     int                   // full K blocks
	kt     int                   // steps in the partial block (0: none)
}

// gemmNEON computes t.panels panels of 4 rows × 16 channels with SMLAL.
//
//go:noescape
func gemmNEON(t *tileArgs)

// gemmNEON1 computes t.panels panels of 1 row × 16 channels with SMLAL.
//
//go:noescape
func gemmNEON1(t *tileArgs)

// gemmSDOT computes t.panels panels of 4 rows × 16 channels with SDOT.
//
//go:noescape
func gemmSDOT(t *tileArgs)

// gemmSDOT1 computes t.panels panels of 1 row × 16 channels with SDOT.
//
//go:noescape
func gemmSDOT1(t *tileArgs)

// gemmI8MM computes t.panels panels of 4 rows × 16 channels with SMMLA.
//
//go:noescape
func gemmI8MM(t *tileArgs)

// gemmI8MM1 computes t.panels panels of 1 row × 16 channels with SMMLA.
//
//go:noescape
func gemmI8MM1(t *tileArgs)

// scaleARM applies the arm64 epilogue to 16 values (meta: one panel's
// meta block), without narrowing, for tests.
//
//go:noescape
func scaleARM(dst, src *[armNR]int32, meta *int32, cst *consts)

// kernel runs the path's assembly kernel on t: the one-row kernel when
// single is set, else the full tile.
func (p *PackedInt8) kernel(t *tileArgs, single bool) {
	switch {
	case p.path == I8MM && single:
		gemmI8MM1(t)
	case p.path == I8MM:
		gemmI8MM(t)
	case p.path == SDOT && single:
		gemmSDOT1(t)
	case p.path == SDOT:
		gemmSDOT(t)
	case single:
		gemmNEON1(t)
	default:
		gemmNEON(t)
	}
}

// setTail passes row r's activations past its last full K block (b,
// fewer than 16) to the kernels. The bytes past len(b) stay zero: every
// call for one matrix has the same length.
func (t *tileArgs) setTail(r int, b []int8) { copy(t.tail[r][:], b) }
