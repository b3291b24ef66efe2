package command

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Handler runs one command. args is the command's "args" object (nil when
// absent). The context is cancelled when the handler's timeout passes or the
// dispatcher stops. The value returned is encoded as JSON into the
// response's result (nil: no result); an error that is or wraps a
// *wire.Error sets the response's code, any other answers wire.CodeFailed.
type Handler func(ctx context.Context, args json.RawMessage) (any, error)

// The command names of SPEC.md.
const (
	NamePing          = "ping"
	NameStatus        = "status"
	NameProbe         = "probe"
	NameConfigGet     = "config.get"
	NameReload        = "reload"
	NameModelsList    = "models.list"
	NameModelActivate = "model.activate"
	NameModelRollback = "model.rollback"
	NameOTAApply      = "ota.apply"
	NameBufferStats   = "buffer.stats"
	NameAgentUpdate   = "agent.update"
)

// MaxNameLen bounds a command name.
const MaxNameLen = 100

// Registry maps command names to handlers. It is safe for concurrent use;
// handlers may be added while a [Dispatcher] runs.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Handler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[string]Handler{}} }

// Register adds h under name. Like http.ServeMux.Handle it panics on a
// programming error: an empty or over-long name, a nil handler, or a name
// registered twice.
func (r *Registry) Register(name string, h Handler) {
	if name == "" || len(name) > MaxNameLen {
		panic(fmt.Sprintf("command: Register: invalid name %q", name))
	}
	if h == nil {
		panic("command: Register: nil handler for " + name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]Handler{}
	}
	if _, dup := r.m[name]; dup {
		panic("command: Register: " + name + " registered twice")
	}
	r.m[name] = h
}

// Lookup returns the handler of name.
func (r *Registry) Lookup(name string) (Handler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.m[name]
	return h, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
