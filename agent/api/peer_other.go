//go:build !linux

package api

import (
	"fmt"
	"net"
	"runtime"
)

// peerOf cannot read peer credentials on this system: every peer is
// refused (edge-agent runs on Linux; this file only keeps the package
// building elsewhere).
func peerOf(net.Conn, string) Peer {
	return Peer{Err: fmt.Errorf("peer credentials are not supported on %s", runtime.GOOS)}
}
