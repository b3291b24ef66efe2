package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// route is one endpoint of the table.
type route struct {
	method  string
	pattern string   // e.g. /v1/models/{name}/infer
	segs    []string // pattern split on "/"
	query   []string // accepted query parameters; anyQuery accepts all
	// anyQuery accepts any query parameters (/metrics: scrapers may add
	// their own).
	anyQuery bool
	// change marks an endpoint that changes the agent's state: the peer
	// needs admin rights or, for a sensor, its push group.
	change bool
	h      func(w http.ResponseWriter, r *http.Request, v vars) error
}

// vars are a request's path variables by name ("name" of {name}).
type vars map[string]string

// table is the server's one map of endpoints, as tailscale's LocalAPI
// handler map.
func (s *Server) table() []route {
	rs := []route{
		{method: http.MethodGet, pattern: "/v1/status", h: s.getStatus},
		{method: http.MethodGet, pattern: "/v1/hardware", h: s.getHardware},
		{method: http.MethodGet, pattern: "/v1/models", h: s.getModels},
		{method: http.MethodPost, pattern: "/v1/models/{name}/infer", h: s.postInfer},
		{method: http.MethodGet, pattern: "/v1/predictions", query: []string{"since_seq", "limit"}, h: s.getPredictions},
		{method: http.MethodGet, pattern: "/v1/predictions/stream", query: []string{"since_seq"}, h: s.getStream},
		{method: http.MethodPost, pattern: "/v1/sensors/{name}/samples", change: true, h: s.postSamples},
		{method: http.MethodGet, pattern: "/v1/buffer", h: s.getBuffer},
		{method: http.MethodGet, pattern: "/metrics", anyQuery: true, h: s.getMetrics},
	}
	for i := range rs {
		rs[i].segs = strings.Split(rs[i].pattern, "/")
	}
	return rs
}

// match reports whether the escaped path fits the route's pattern, and
// returns its variables, unescaped.
func (rt *route) match(escapedPath string) (vars, bool) {
	segs := strings.Split(escapedPath, "/")
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	var v vars
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			val, err := url.PathUnescape(segs[i])
			if err != nil || val == "" {
				return nil, false
			}
			if v == nil {
				v = vars{}
			}
			v[p[1:len(p)-1]] = val
			continue
		}
		if segs[i] != p {
			return nil, false
		}
	}
	return v, true
}

// validHost reports whether a request's Host header is one the client or
// curl --unix-socket sends. Anything else may be a browser tricked into
// talking to the socket through a proxy (DNS rebinding).
func validHost(h string) bool {
	switch h {
	case "", "localhost", "edge-agent":
		return true
	}
	return false
}

// ServeHTTP refuses browsers and unexpected hosts, finds the route,
// checks the peer's rights and runs the handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	peer, _ := PeerFromContext(r.Context())
	if r.Header.Get("Origin") != "" || r.Header.Get("Referer") != "" {
		s.log.Warn("api: refused a browser request", "uid", peer.UID, "pid", peer.PID, "method", r.Method, "path", r.URL.Path)
		writeError(w, Errorf(http.StatusForbidden, CodeBrowserRefused, "requests with an Origin or Referer header are refused: browsers may not use the agent's socket"))
		return
	}
	if !validHost(r.Host) {
		s.log.Warn("api: refused a request for an unexpected host", "uid", peer.UID, "pid", peer.PID, "host", r.Host)
		writeError(w, Errorf(http.StatusForbidden, CodeHostRefused, "host %q refused: use edge-agent or localhost", r.Host))
		return
	}
	rt, v, allow, err := s.find(r)
	if err != nil {
		if allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, err)
		return
	}
	if err := s.authorize(r, peer, rt, v); err != nil {
		writeError(w, err)
		return
	}
	if err := checkQuery(r.URL.RawQuery, rt); err != nil {
		writeError(w, err)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
	}
	if err := rt.h(w, r, v); err != nil {
		e := asError(err)
		if e.Status >= 500 {
			s.log.Error("api: request failed", "method", r.Method, "route", rt.pattern, "path", r.URL.Path, "err", err)
		}
		writeError(w, e)
	}
}

// find returns the route for r, or a 404 error, or a 405 error with the
// methods the path allows.
func (s *Server) find(r *http.Request) (*route, vars, string, error) {
	path := r.URL.EscapedPath()
	var allow []string
	for i := range s.routes {
		rt := &s.routes[i]
		v, ok := rt.match(path)
		if !ok {
			continue
		}
		if rt.method == r.Method {
			return rt, v, "", nil
		}
		if !slices.Contains(allow, rt.method) {
			allow = append(allow, rt.method)
		}
	}
	if len(allow) > 0 {
		list := strings.Join(allow, ", ")
		return nil, nil, list, Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, list)
	}
	return nil, nil, "", NotFound("no such endpoint: %s %s", r.Method, r.URL.Path)
}
