//go:build !linux

package procmem

// ReleaseExecutablePages does nothing on systems other than Linux.
func ReleaseExecutablePages() (Release, error) { return Release{}, nil }
