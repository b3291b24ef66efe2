package api

import (
	"fmt"
	"net/http"
)

// authorize checks that the peer may use the route and logs the decision:
// allowed reads at debug level, every changing request at info, refusals
// at warn.
func (s *Server) authorize(r *http.Request, p Peer, rt *route, v vars) error {
	acc, why := s.pol.accessOf(p)
	attrs := []any{"uid", p.UID, "gid", p.GID, "pid", p.PID, "method", r.Method, "route", rt.pattern, "access", acc.String()}
	if !rt.change {
		if acc >= accessRead {
			s.log.Debug("api: request allowed", append(attrs, "decision", "allow", "reason", why)...)
			return nil
		}
		s.log.Warn("api: request refused", append(attrs, "decision", "refuse", "reason", why)...)
		return Forbidden("uid %d may not use the agent's socket: %s", p.UID, why)
	}
	ok, reason, err := s.mayPush(p, acc, why, v["name"])
	if err != nil {
		return err
	}
	attrs = append(attrs, "sensor", v["name"], "reason", reason)
	if !ok {
		s.log.Warn("api: changing request refused", append(attrs, "decision", "refuse")...)
		return Forbidden("uid %d may not push samples to sensor %q: %s", p.UID, v["name"], reason)
	}
	s.log.Info("api: changing request allowed", append(attrs, "decision", "allow")...)
	return nil
}

// mayPush reports whether the peer may push samples to a socket sensor:
// admins may, and so may members of the sensor's push group.
func (s *Server) mayPush(p Peer, acc access, why, sensor string) (bool, string, error) {
	group, exists := s.opts.Backend.SensorGroup(sensor)
	if !exists {
		return false, "", NotFound("no socket sensor %q", sensor)
	}
	if acc == accessAdmin {
		return true, why, nil
	}
	if p.Err != nil {
		return false, why, nil
	}
	if group == "" {
		return false, fmt.Sprintf("the sensor takes samples from admins only (root, the agent's uid, group %s)", orDefault(s.pol.admin, "(no admin group)")), nil
	}
	gid, err := s.groups.gid(group)
	if err != nil {
		s.log.Warn("api: sensor push group cannot be resolved; only admins may push", "sensor", sensor, "err", err)
		return false, fmt.Sprintf("the sensor's push %v", err), nil
	}
	if p.InGroup(gid) {
		return true, "member of push group " + group, nil
	}
	return false, fmt.Sprintf("not an admin nor a member of the sensor's push group %s", group), nil
}
