package gemm

import "unsafe"

// maxMR is the most rows a SIMD tile holds, and tileBytes the size of
// runSIMD's scratch tile.
const (
	maxMR     = vnniMR
	tileBytes = maxMR * vnniNR
)

// tileArgs is what the assembly kernels read (through go_asm.h offsets):
// the activation rows of one tile (rows past the end of the matrix repeat
// its last row, and their outputs go to that row too, with the same
// values), the output rows at the first panel's column, the partial last
// group of each row, and the first panel of a run of panels.
type tileArgs struct {
	a      [maxMR]unsafe.Pointer // activation rows (int8)
	d      [maxMR]unsafe.Pointer // output rows (int8), at the first panel
	tail   [maxMR]uint32         // the row's last k%4 activations, zero-padded
	w      unsafe.Pointer        // the first panel's weights
	meta   unsafe.Pointer        // the first panel's meta block
	cst    unsafe.Pointer        // *consts
	panels int                   // panels to compute, one after the other
	moff   int                   // the assembly's byte offset from meta to the current panel's block
	kq     int                   // full groups of 4 along K
	kt     int                   // activations in the partial last group (0: none)
}

// gemmAVX2 computes t.panels panels of 3 rows × 16 channels.
//
//go:noescape
func gemmAVX2(t *tileArgs)

// gemmVNNI computes t.panels panels of 8 rows × 32 channels.
//
//go:noescape
func gemmVNNI(t *tileArgs)

// gemmAVXVNNI computes t.panels panels of 6 rows × 16 channels.
//
//go:noescape
func gemmAVXVNNI(t *tileArgs)

// gemmAVXVNNI1 computes t.panels panels of 1 row × 16 channels.
//
//go:noescape
func gemmAVXVNNI1(t *tileArgs)

// gemmAVX2x1 computes t.panels panels of 1 row × 16 channels.
//
//go:noescape
func gemmAVX2x1(t *tileArgs)

// gemmVNNI1 computes t.panels panels of 1 row × 32 channels.
//
//go:noescape
func gemmVNNI1(t *tileArgs)

// scaleAVX2 applies the AVX2 (and avxvnni) epilogue to 16 values (meta: one 16-channel
// meta block), for tests.
//
//go:noescape
func scaleAVX2(dst, src *[avx2NR]int32, meta *int32, cst *consts)

// scaleVNNI applies the VNNI epilogue to 32 values (meta: one 32-channel
// meta block), for tests.
//
//go:noescape
func scaleVNNI(dst, src *[vnniNR]int32, meta *int32, cst *consts)

// kernel runs the path's assembly kernel on t: the one-row kernel when
// single is set, else the full tile.
func (p *PackedInt8) kernel(t *tileArgs, single bool) {
	switch {
	case p.path == AVX512VNNI && single:
		gemmVNNI1(t)
	case p.path == AVX512VNNI:
		gemmVNNI(t)
	case p.path == AVXVNNI && single:
		gemmAVXVNNI1(t)
	case p.path == AVXVNNI:
		gemmAVXVNNI(t)
	case single:
		gemmAVX2x1(t)
	default:
		gemmAVX2(t)
	}
}

// setTail passes row r's last k%4 activations b to the kernels,
// little-endian in a word, zero-padded.
func (t *tileArgs) setTail(r int, b []int8) {
	var v uint32
	for j, x := range b {
		v |= uint32(uint8(x)) << (8 * j)
	}
	t.tail[r] = v
}
