package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// DefaultMaxBody bounds request bodies when Options.MaxBody is 0.
const DefaultMaxBody = 16 << 20

// DefaultMode is the socket's mode when Options.Mode is 0.
const DefaultMode os.FileMode = 0o660

// Options configure a Server.
type Options struct {
	// Path is the socket's path, e.g. /run/edge-agent/agent.sock.
	Path string
	// Mode is the socket file's mode (DefaultMode when 0).
	Mode os.FileMode
	// Group owns the socket and its members may use the read endpoints; ""
	// leaves the socket's group alone and gives read access to the
	// process's own group instead. A group that does not exist is an error.
	Group string
	// AdminGroup's members may use the changing endpoints, as root and the
	// agent's own uid always may; "" means no such group.
	AdminGroup string
	// Backend answers the requests.
	Backend Backend
	// Metrics, when set, is served at GET /metrics (read access).
	Metrics http.Handler
	// Logger receives access decisions and errors (slog.Default when nil).
	Logger *slog.Logger
	// MaxBody bounds request bodies in bytes (DefaultMaxBody when 0).
	MaxBody int64

	// procRoot is where peers' /proc/PID/status files are read ("/proc").
	procRoot string
}

// Server is the local API server on a unix socket.
//
// Who may do what (as tailscale's LocalAPI decides it): the kernel reports
// each connection's uid, gid and pid (SO_PEERCRED) when it is accepted,
// and the peer's supplementary groups are read from /proc. Root, the
// agent's own uid and members of Options.AdminGroup may use every
// endpoint; members of Options.Group may use the read endpoints (every GET
// and POST /v1/models/{name}/infer); a socket sensor's push group may also
// push to that sensor. Everyone else gets 403. Requests carrying an Origin
// or Referer header, or a Host other than "", "localhost" or "edge-agent",
// are refused (403) so a web page cannot reach the socket through a
// browser. Allowed reads are logged at debug level, changing requests at
// info, refusals at warn, each with uid, gid, pid and route.
type Server struct {
	opts   Options
	log    *slog.Logger
	ln     *net.UnixListener
	srv    *http.Server
	pol    policy
	groups groupCache
	routes []route

	done     chan struct{} // closed by Shutdown: streams end
	stopOnce sync.Once
}

// Listen creates the socket and returns a server ready to Serve. It removes
// a stale socket file that nothing answers on, refuses to start when
// another process listens there, creates the parent directory (0755), and
// sets the socket's mode and group.
func Listen(o Options) (*Server, error) {
	if o.Path == "" {
		return nil, errors.New("api: socket path is empty")
	}
	if o.Backend == nil {
		return nil, errors.New("api: no backend")
	}
	if o.Mode == 0 {
		o.Mode = DefaultMode
	}
	if o.Mode&^os.ModePerm != 0 {
		return nil, fmt.Errorf("api: socket mode %#o has bits beyond the permissions", uint32(o.Mode))
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.procRoot == "" {
		o.procRoot = "/proc"
	}
	s := &Server{opts: o, log: o.Logger, done: make(chan struct{})}
	s.pol = policy{ownUID: uint32(os.Geteuid()), readGID: uint32(os.Getegid()), readName: fmt.Sprintf("%d (the agent's group)", os.Getegid())}
	chownGID := -1
	if o.Group != "" {
		gid, err := lookupGID(o.Group)
		if err != nil {
			return nil, fmt.Errorf("api: socket group: %w (create it, or set socket.group to \"\")", err)
		}
		s.pol.readGID, s.pol.readName, chownGID = gid, o.Group, int(gid)
	}
	if o.AdminGroup != "" {
		gid, err := lookupGID(o.AdminGroup)
		if err != nil {
			return nil, fmt.Errorf("api: socket admin group: %w (create it, or set socket.admin_group to \"\")", err)
		}
		s.pol.adminGID, s.pol.hasAdmin, s.pol.admin = gid, true, o.AdminGroup
	}
	ln, err := listenUnix(o.Path, o.Mode, chownGID)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s.ln = ln
	s.routes = s.table()
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a body of MaxBody at a slow pace, no slower
		// WriteTimeout bounds a response to a reader that stops reading;
		// the prediction stream moves it forward before each record.
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			p := peerOf(c, o.procRoot)
			if p.groupsErr != nil {
				s.log.Debug("api: peer's supplementary groups not read; only its primary group counts", "uid", p.UID, "gid", p.GID, "pid", p.PID, "err", p.groupsErr)
			}
			return context.WithValue(ctx, peerKey{}, p)
		},
	}
	return s, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.opts.Path }

// Serve answers requests until ctx ends or Shutdown is called. When ctx
// ends, it shuts the server down gracefully, giving open requests up to
// five seconds. It returns nil after a shutdown.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("api: serve %s: %w", s.opts.Path, err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := s.Shutdown(sctx)
		<-errc
		return err
	}
}

// Shutdown stops accepting connections, ends prediction streams, waits for
// other requests to finish until ctx ends (then closes what is left), and
// removes the socket file.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.done) })
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	// Serve may never have run; closing the listener removes the socket.
	if cerr := s.ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("api: shutdown: %w", err)
	}
	return nil
}
