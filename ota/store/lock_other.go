//go:build !unix

package store

import (
	"fmt"
	"os"
)

// lockRoot opens the root folder without locking it: edge-agent runs on
// Linux, and this file only keeps the package building elsewhere.
func lockRoot(root string) (*os.File, error) {
	f, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("open root: %w", err)
	}
	return f, nil
}
