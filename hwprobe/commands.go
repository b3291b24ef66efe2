package hwprobe

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path"
	"strings"
	"time"
)

// CommandRunner runs an optional command source and returns its standard output.
type CommandRunner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs commands on this machine with a timeout.
type ExecRunner struct {
	Timeout time.Duration
}

// Run implements CommandRunner.
func (e ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if e.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.Timeout)
		defer cancel()
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if msg != "" {
			return nil, fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return stdout.Bytes(), nil
}

// ReplayRunner answers commands from output captured in a fixture tree:
// ROOT/_commands/<file>, where the file for a command is named in replays.
type ReplayRunner struct {
	Root *Root
}

// replays maps a command line to the file holding its captured output.
var replays = map[string]string{
	"nvidia-smi -q -x": "nvidia-smi-q.xml",
}

// Run implements CommandRunner.
func (r ReplayRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	file, ok := replays[line]
	if !ok {
		return nil, fmt.Errorf("%s: no captured output for this command in the fixture", line)
	}
	return r.Root.ReadFile(path.Join("/_commands", file))
}
