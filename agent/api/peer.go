package api

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Peer is the process on the other end of a socket connection, as the
// kernel reported it when the connection was accepted.
type Peer struct {
	UID uint32 // effective uid at connect(2)
	GID uint32 // effective gid at connect(2)
	PID int32  // 0 when the peer is in another pid namespace
	// Groups are the peer's supplementary groups from /proc/PID/status,
	// nil when they could not be read (then only GID counts).
	Groups []uint32
	// Err is why the credentials could not be read; such a peer is
	// refused everything.
	Err error

	groupsErr error // why Groups is nil, for the log
}

// InGroup reports whether gid is the peer's primary or a supplementary
// group.
func (p Peer) InGroup(gid uint32) bool {
	return p.Err == nil && (p.GID == gid || slices.Contains(p.Groups, gid))
}

type peerKey struct{}

// PeerFromContext returns the peer of the request whose context ctx is.
func PeerFromContext(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// procGroups reads the supplementary groups of pid from procRoot/PID/status.
//
// Caveat (as of 2025-06): SO_PEERCRED reports the uid, gid and pid at
// connect(2), but the groups are read from /proc when the connection is
// accepted. A peer that exits in between, and whose pid is reused, would
// show another process's groups; so the groups count only when that
// file's effective uid and gid still match the socket's credentials, which
// a reused pid of another user cannot pass. A process that drops
// supplementary groups after connecting keeps what it had at accept time.
// A peer in another pid namespace (PID 0) has no readable groups.
func procGroups(procRoot string, pid int32, uid, gid uint32) ([]uint32, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("peer pid %d is not visible in this pid namespace", pid)
	}
	data, err := os.ReadFile(fmt.Sprintf("%s/%d/status", procRoot, pid))
	if err != nil {
		return nil, fmt.Errorf("peer groups: %w", err)
	}
	st, err := parseProcStatus(data)
	if err != nil {
		return nil, fmt.Errorf("peer groups: /proc/%d/status: %w", pid, err)
	}
	if st.euid != uid || st.egid != gid {
		return nil, fmt.Errorf("peer groups: /proc/%d/status has euid %d egid %d, the socket reported %d %d (pid reused?)", pid, st.euid, st.egid, uid, gid)
	}
	return st.groups, nil
}

// procStatus is what procGroups needs of /proc/PID/status.
type procStatus struct {
	euid, egid uint32
	groups     []uint32
}

// parseProcStatus reads the Uid, Gid and Groups lines of a
// /proc/PID/status file ("Uid:\treal\teffective\tsaved\tfs"). All three
// lines must be present; Groups may be empty.
func parseProcStatus(data []byte) (procStatus, error) {
	var st procStatus
	var haveUID, haveGID, haveGroups bool
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		switch key {
		case "Uid", "Gid":
			if len(fields) < 2 {
				return st, fmt.Errorf("%s line has %d fields, want 4", key, len(fields))
			}
			id, err := strconv.ParseUint(fields[1], 10, 32)
			if err != nil {
				return st, fmt.Errorf("%s line: effective id %q: %w", key, fields[1], err)
			}
			if key == "Uid" {
				st.euid, haveUID = uint32(id), true
			} else {
				st.egid, haveGID = uint32(id), true
			}
		case "Groups":
			haveGroups = true
			st.groups = make([]uint32, 0, len(fields))
			for _, f := range fields {
				id, err := strconv.ParseUint(f, 10, 32)
				if err != nil {
					return st, fmt.Errorf("Groups line: %q: %w", f, err)
				}
				st.groups = append(st.groups, uint32(id))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return st, err
	}
	switch {
	case !haveUID:
		return st, fmt.Errorf("no Uid line")
	case !haveGID:
		return st, fmt.Errorf("no Gid line")
	case !haveGroups:
		return st, fmt.Errorf("no Groups line")
	}
	return st, nil
}
