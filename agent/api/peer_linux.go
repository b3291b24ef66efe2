package api

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerOf reads the credentials of a unix socket connection's peer with
// SO_PEERCRED and its supplementary groups from procRoot.
func peerOf(c net.Conn, procRoot string) Peer {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{Err: fmt.Errorf("peer credentials: %T is not a unix socket connection", c)}
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{Err: fmt.Errorf("peer credentials: %w", err)}
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{Err: fmt.Errorf("peer credentials: %w", err)}
	}
	if credErr != nil {
		return Peer{Err: fmt.Errorf("peer credentials: SO_PEERCRED: %w", credErr)}
	}
	p := Peer{UID: cred.Uid, GID: cred.Gid, PID: cred.Pid}
	// Without readable groups only the primary gid counts: fewer rights,
	// never more.
	p.Groups, p.groupsErr = procGroups(procRoot, cred.Pid, cred.Uid, cred.Gid)
	return p
}
