package api

import (
	"fmt"
	"os/user"
	"strconv"
	"sync"
)

// access is what a peer may do.
type access int

const (
	accessNone  access = iota // refused
	accessRead                // GETs and inference
	accessAdmin               // everything, including changing endpoints
)

// String names the access level for the log.
func (a access) String() string {
	switch a {
	case accessRead:
		return "read"
	case accessAdmin:
		return "admin"
	}
	return "none"
}

// policy decides who may do what, as tailscale's ipnauth does: root and the
// agent's own uid are admins, so are members of the admin group; members of
// the socket group may read; everyone else is refused.
type policy struct {
	ownUID   uint32
	readGID  uint32 // the socket group (the process gid when none is set)
	readName string
	adminGID uint32
	hasAdmin bool
	admin    string
}

// accessOf returns p's access and the reason, for the log.
func (pol *policy) accessOf(p Peer) (access, string) {
	switch {
	case p.Err != nil:
		return accessNone, p.Err.Error()
	case p.UID == 0:
		return accessAdmin, "root"
	case p.UID == pol.ownUID:
		return accessAdmin, "the agent's own uid"
	case pol.hasAdmin && p.InGroup(pol.adminGID):
		return accessAdmin, "member of admin group " + pol.admin
	case p.InGroup(pol.readGID):
		return accessRead, "member of socket group " + pol.readName
	}
	return accessNone, fmt.Sprintf("not root, the agent's uid, or a member of group %s or %s", pol.readName, orDefault(pol.admin, "(no admin group)"))
}

// lookupGID resolves a group name (or a numeric gid) to its gid.
func lookupGID(name string) (uint32, error) {
	var g *user.Group
	var err error
	if _, nerr := strconv.ParseUint(name, 10, 32); nerr == nil {
		g, err = user.LookupGroupId(name)
	} else {
		g, err = user.LookupGroup(name)
	}
	if err != nil {
		return 0, fmt.Errorf("group %q: %w", name, err)
	}
	id, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("group %q: gid %q: %w", name, g.Gid, err)
	}
	return uint32(id), nil
}

// groupCache resolves sensor push groups by name. Names that resolve are
// kept for the server's life (a config reload may name new groups, which
// are looked up when first used); names that do not are looked up again
// next time.
type groupCache struct {
	mu   sync.Mutex
	gids map[string]uint32
}

func (c *groupCache) gid(name string) (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.gids[name]; ok {
		return id, nil
	}
	id, err := lookupGID(name)
	if err != nil {
		return 0, err
	}
	if c.gids == nil {
		c.gids = map[string]uint32{}
	}
	c.gids[name] = id
	return id, nil
}
