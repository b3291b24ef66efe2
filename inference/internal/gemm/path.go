package gemm

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Path names one implementation of the kernels.
type Path string

// The kernel paths.
const (
	Generic    Path = "generic"    // portable Go, the reference
	AVX2       Path = "avx2"       // amd64 with AVX2
	AVXVNNI    Path = "avxvnni"    // amd64 with AVX2 and AVX-VNNI (VEX-encoded VPDPBUSD), no AVX-512 needed
	AVX512VNNI Path = "avx512vnni" // amd64 with AVX-512 F/BW/VL and VNNI
	NEON       Path = "neon"       // arm64 Advanced SIMD
	SDOT       Path = "sdot"       // arm64 with the dot-product extension (FEAT_DotProd)
	I8MM       Path = "i8mm"       // arm64 with the int8 matrix multiply extension (FEAT_I8MM) and FEAT_DotProd
)

// Vector returns the vector family a path's CPU guarantees, for kernels
// that use no dot-product instruction (depthwise, elementwise, float and
// matrix-vector kernels): AVX2 for avx2 and avxvnni, AVX512VNNI for
// avx512vnni, NEON for neon, sdot and i8mm, and Generic for generic or a
// name it does not know. Such a package picks its kernel by Vector, so a
// path added here needs no change there.
func (p Path) Vector() Path {
	switch p {
	case AVX2, AVXVNNI:
		return AVX2
	case AVX512VNNI:
		return AVX512VNNI
	case NEON, SDOT, I8MM:
		return NEON
	}
	return Generic
}

// EnvVar is the environment variable that, by convention, overrides the
// default path; pass its value to Select.
const EnvVar = "EDGE_AGENT_KERNELS"

// known lists every path name in order of preference (best last).
var known = []Path{Generic, AVX2, AVXVNNI, AVX512VNNI, NEON, SDOT, I8MM}

// available lists the paths this CPU runs, from slowest to fastest. It is
// computed once at init from the CPU's features and never changes.
var available = detect()

// Paths returns the paths available on this CPU, from the portable one to
// the fastest.
func Paths() []Path { return slices.Clone(available) }

// Default returns the fastest path available on this CPU.
func Default() Path { return available[len(available)-1] }

// Available reports whether this CPU runs path p.
func Available(p Path) bool { return slices.Contains(available, p) }

// Select parses a path name, such as the value of EnvVar: "" or "auto"
// gives Default. A name that is unknown, or known but not available on
// this CPU, is an error.
func Select(name string) (Path, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || name == "auto" {
		return Default(), nil
	}
	p := Path(name)
	if !Available(p) {
		return "", pathError(p)
	}
	return p, nil
}

// SelectEnv returns Select of the EnvVar environment variable: the
// default path when it is unset or empty.
func SelectEnv() (Path, error) {
	p, err := Select(os.Getenv(EnvVar))
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvVar, err)
	}
	return p, nil
}

// pathError explains why p cannot be used.
func pathError(p Path) error {
	if !slices.Contains(known, p) {
		return fmt.Errorf("gemm: unknown kernel path %q (known: %s)", p, list(known))
	}
	return fmt.Errorf("gemm: kernel path %q is not available on this CPU (available: %s)", p, list(available))
}

func list(ps []Path) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
