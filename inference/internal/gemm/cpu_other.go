//go:build !amd64

package gemm

// detect returns the paths this CPU supports: only the portable one
// outside amd64 for now.
func detect() []Path { return []Path{Generic} }
