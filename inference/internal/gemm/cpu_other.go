//go:build !amd64 && !arm64

package gemm

// detect returns the paths this CPU supports: only the portable one
// outside amd64 and arm64.
func detect() []Path { return []Path{Generic} }
