package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/cliutil"
)

// socketEnv overrides the default socket path.
const socketEnv = "EDGE_AGENT_SOCKET"

// localCommands are the commands that talk to the agent on this device
// over its socket.
func localCommands() []command {
	return []command{
		{"status", "the local agent's state: models, pipelines, sensors, uplink, buffer", cmdStatus},
		{"hw", "the local agent's hardware profile", cmdHW},
		{"models", "the models the local agent serves", cmdModels},
		{"predictions", "recent predictions; --follow streams new ones", cmdPredictions},
		{"infer", "run one inference on a served model with an input file", cmdInfer},
		{"buffer", "the outbox: records waiting for the broker, by class", cmdBuffer},
	}
}

// localFlags are the flags every local command takes.
type localFlags struct {
	socket  string
	json    bool
	timeout time.Duration
}

func (l *localFlags) register(fs *flag.FlagSet) {
	def := client.DefaultSocket
	if env := os.Getenv(socketEnv); env != "" {
		def = env
	}
	fs.StringVar(&l.socket, "socket", def, "the agent's socket `path` ($"+socketEnv+" overrides the default)")
	fs.BoolVar(&l.json, "json", false, "print the agent's JSON document")
	fs.DurationVar(&l.timeout, "timeout", time.Minute, "give up on the agent after this long (0: never)")
}

// context bounds a call by --timeout.
func (l *localFlags) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if l.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, l.timeout)
}

// parseLocal parses a local command's flags; it allows npos positional
// arguments.
func parseLocal(fs *flag.FlagSet, lf *localFlags, args []string, name string, npos int) ([]string, error) {
	lf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != npos {
		if npos == 0 {
			return nil, cliutil.Usagef("%s takes no arguments", name)
		}
		return nil, cliutil.Usagef("%s takes %d arguments, got %d", name, npos, len(pos))
	}
	if lf.socket == "" {
		return nil, cliutil.Usagef("--socket is empty")
	}
	return pos, nil
}

// sizeHuman shows a byte count in B, KiB, MiB or GiB.
func sizeHuman(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// tensors shows tensor types and shapes: "float32[1,32,3]".
func tensors(ts []api.Tensor) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Type + shape(t.Shape)
	}
	return dash(strings.Join(parts, " "))
}

// shape shows dimensions as [1,32,3].
func shape(s []int) string {
	dims := make([]string, len(s))
	for i, d := range s {
		dims[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(dims, ",") + "]"
}
