package fgemm

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edge-agent/edge-agent/inference/internal/gemm"
)

// wantDigest is the FNV-64a hash of every output bit of digestProblems,
// recorded on amd64 (generic, avx2, avx512vnni) and checked under qemu on
// arm64 (generic, neon, sdot), 32-bit arm, riscv64, ppc64le and s390x
// (generic; the last three, like arm64, would fuse multiply-adds without
// the float32 conversions): the results are the same bytes on every
// architecture, not only on every path of one.
const wantDigest = 0x6117f9028e0ca2da

// bitsFloats draws n floats from integer operations only (no math
// function whose last bit might differ between architectures): random
// signs and mantissas with exponents around 1, and with probability
// special one of the specials.
func bitsFloats(rng *rand.Rand, n int, special float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(1000) < int(special*1000) {
			v[i] = specials[rng.IntN(len(specials))]
			continue
		}
		exp := uint32(127 - 8 + rng.IntN(12)) // 2^-8 .. 2^3
		v[i] = math.Float32frombits(rng.Uint32()&0x807FFFFF | exp<<23)
	}
	return v
}

// digestProblems runs a fixed set of problems on path and hashes the
// outputs' bits.
func digestProblems(t *testing.T, path gemm.Path) uint64 {
	rng := rand.New(rand.NewPCG(2024, 7))
	h := fnv.New64a()
	var buf [4]byte
	for i := range 60 {
		m, n, k := 1+rng.IntN(20), 1+rng.IntN(100), 1+rng.IntN(200)
		special := []float64{0, 0.01, 0.2}[i%3]
		w, a, bias := bitsFloats(rng, n*k, special), bitsFloats(rng, m*k, special), bitsFloats(rng, n, special)
		bounds := clampBounds[i%len(clampBounds)]
		p, err := PackFloat32(path, w, n, k, bias, bounds[0], bounds[1])
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, m*n)
		if err := p.Run(dst, n, a, k, m, 0, n); err != nil {
			t.Fatal(err)
		}
		for _, v := range dst {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			h.Write(buf[:])
		}
	}
	return h.Sum64()
}

func TestDigestAcrossArchitectures(t *testing.T) {
	for _, path := range gemm.Paths() {
		if got := digestProblems(t, path); got != wantDigest {
			t.Errorf("%s: digest %#x, want %#x", path, got, uint64(wantDigest))
		}
	}
}
