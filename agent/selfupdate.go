package agent

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/edge-agent/edge-agent/internal/fsutil"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/ota/selfupdate"
	"github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// The agent's self-update: a bundle of kind agent carries one binary per
// architecture (variants by arch). The binary picked for this device is
// checked (an ELF executable for this architecture that runs and prints
// its version), then ota/selfupdate swaps it in (the old binary kept as
// BINARY.old, a boot marker written) and the agent exits with
// ErrRestart for its supervisor (systemd) to start the new binary. At
// every start Boot counts the starts of a binary on trial; once it has
// run healthy through ota.health.window it is marked healthy, and a
// binary that starts ota.agent.max_starts times without getting there (or
// is unhealthy at the end of its window) is replaced by the old one, which
// reports the rollback as an alert when it starts.

// ErrRestart is returned by Run when the agent stopped to be started again
// by its supervisor: a new binary was installed, or the previous one
// restored. The command line exits with ExitRestart then.
var ErrRestart = errors.New("edge-agent stopped to restart (a new or restored binary)")

// ExitRestart is the exit status that goes with ErrRestart; the systemd
// unit lists it in RestartForceExitStatus and SuccessExitStatus.
const ExitRestart = 75

const (
	agentMarkerFile = "agent-update.json"        // selfupdate's boot marker
	agentResultFile = "agent-update-result.json" // a rollback to report
	agentName       = "edge-agent"
)

// agentResult is a rollback of the agent binary, written by the binary
// that gave up and reported by the one restored.
type agentResult struct {
	TS      time.Time `json:"ts"`
	Version string    `json:"version"`
	Reason  string    `json:"reason"`
}

// agentBinary returns the binary a self-update replaces.
func (d *Daemon) agentBinary() (string, error) {
	if b := d.currentConfig().OTA.Agent.Binary; b != "" {
		return filepath.Abs(b)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("the running executable: %w", err)
	}
	return filepath.EvalSymlinks(exe)
}

func (d *Daemon) agentMarker() string {
	return filepath.Join(d.currentConfig().DataDir, agentMarkerFile)
}

// bootCheck is the first thing a start does: it counts this start when a
// new binary is on trial and restores the old binary when the new one has
// used up its starts (restore=true: exit now so that the supervisor starts
// it). A damaged marker is logged and the start goes on.
func (d *Daemon) bootCheck() (restore bool) {
	cfg := d.currentConfig()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		d.log.Error("data dir", "err", err)
		return false
	}
	target, err := d.agentBinary()
	if err != nil {
		d.log.Error("self-update boot check skipped", "err", err)
		return false
	}
	dec, err := selfupdate.Boot(d.agentMarker(), target, cfg.OTA.Agent.MaxStarts)
	switch {
	case err != nil:
		d.log.Error("self-update boot check failed: starting as usual", "err", err)
	case dec.RolledBack:
		reason := fmt.Sprintf("agent %s started %d times without passing its health window: %s", dec.Version, dec.Start, dec.Reason)
		d.log.Error("agent update rolled back: the previous binary is restored, restarting", "version", dec.Version, "reason", dec.Reason)
		d.writeAgentResult(agentResult{TS: time.Now().UTC(), Version: dec.Version, Reason: reason})
		return true
	case dec.Trial:
		d.agentTrial = &dec
		d.log.Warn("agent update on trial", "version", dec.Version, "start", dec.Start, "max_starts", dec.MaxStarts)
	case dec.Reason != "":
		d.log.Warn("self-update boot check", "note", dec.Reason)
	}
	return false
}

func (d *Daemon) writeAgentResult(r agentResult) {
	b, _ := json.Marshal(r)
	if err := fsutil.WriteFileAtomic(filepath.Join(d.currentConfig().DataDir, agentResultFile), b, 0o640); err != nil {
		d.log.Error("agent rollback not recorded", "err", err)
	}
}

// reportAgentResult reports a rollback left by the binary that gave up
// (the outbox is open).
func (d *Daemon) reportAgentResult() {
	path := filepath.Join(d.currentConfig().DataDir, agentResultFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var r agentResult
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	if err != nil {
		d.log.Error("agent rollback record unreadable", "path", path, "err", err)
	} else {
		d.log.Error("an agent update was rolled back: this is the previous binary", "version", r.Version, "reason", r.Reason, "running", d.opts.Version)
		d.alert(map[string]any{"ts": r.TS, "kind": "agent.rollback", "version": r.Version, "running": d.opts.Version, "reason": r.Reason})
	}
	if err := os.Remove(path); err != nil {
		d.log.Error("agent rollback record not removed", "err", err)
	}
}

// watchAgentTrial marks a new binary healthy once it has been healthy
// through the health window, or restores the previous binary.
func (d *Daemon) watchAgentTrial(ctx context.Context) {
	dec := d.agentTrial
	window := d.currentConfig().OTA.Health.Window.Duration()
	select {
	case <-ctx.Done():
		return // stopped during the trial: the next start counts
	case <-time.After(window):
	}
	if err := d.healthy(); err != nil {
		reason := fmt.Sprintf("agent %s unhealthy at the end of its health window: %v", dec.Version, err)
		target, terr := d.agentBinary()
		if terr == nil {
			terr = selfupdate.Rollback(target, d.agentMarker())
		}
		if terr != nil {
			d.log.Error("agent rollback failed", "err", terr)
			return
		}
		d.log.Error("agent update rolled back", "reason", reason)
		d.writeAgentResult(agentResult{TS: time.Now().UTC(), Version: dec.Version, Reason: reason})
		d.requestRestart("")
		return
	}
	if err := selfupdate.MarkHealthy(d.agentMarker()); err != nil {
		d.log.Error("agent update not marked healthy", "err", err)
		return
	}
	d.log.Info("agent update healthy", "version", dec.Version, "window", window)
}

// requestRestart stops the daemon with ErrRestart; with a response to
// wait for (marker: a string in its result), it waits for it to be sent
// first (at most 10 s).
func (d *Daemon) requestRestart(marker string) {
	d.restart.Store(true)
	d.bgWG.Add(1)
	go func() {
		defer d.bgWG.Done()
		if marker != "" {
			select {
			case <-d.respSent:
			case <-time.After(10 * time.Second):
			case <-d.bg.Done():
			}
		}
		d.quit()
	}()
}

// onRespond sees every command response once sent: the answer to an agent
// update releases the restart.
func (d *Daemon) onRespond(r wire.Response) {
	if d.restart.Load() && r.OK && bytes.Contains(r.Result, []byte(`"restarting":true`)) {
		select {
		case d.respSent <- struct{}{}:
		default:
		}
	}
}

// applyAgent installs a verified agent bundle: the caller holds otaMu.
func (d *Daemon) applyAgent(ctx context.Context, v *ota.Verified) (ApplyResult, error) {
	m := v.Manifest
	file, requires := v.PickVariant(d.hwProfile())
	res := ApplyResult{Kind: m.Kind, Name: m.Name, Version: m.Version, KeyID: v.KeyID, File: file, Requires: requires}
	for _, f := range m.Files {
		if f.Path == file {
			res.SHA256 = f.SHA256
		}
	}
	staged := v.StagedPath(file)
	if err := checkExecutable(staged); err != nil {
		return res, refusal("wrong_arch", fmt.Errorf("agent binary %s: %w", file, err))
	}
	if err := preflight(staged); err != nil {
		return res, refusal("preflight_failed", fmt.Errorf("agent binary %s does not run here: %w", file, err))
	}
	target, err := d.agentBinary()
	if err != nil {
		return res, refusal("apply_failed", err)
	}
	if err := unix.Access(filepath.Dir(target), unix.W_OK); err != nil {
		return res, refusal("apply_failed", fmt.Errorf("cannot replace %s: its folder is not writable (%v); under systemd see systemd/README.md, \"Self-update\"", target, err))
	}
	f, err := os.Open(staged)
	if err != nil {
		return res, err
	}
	defer f.Close()
	command.ReportProgress(ctx, wire.Progress{Stage: "install", Message: "replacing " + target})
	if err := selfupdate.Apply(target, f, res.SHA256, d.agentMarker(), strconv.FormatInt(m.Version, 10)); err != nil {
		code := "apply_failed"
		if errors.Is(err, selfupdate.ErrTrialInProgress) {
			code = "update_in_progress"
		}
		return res, refusal(code, err)
	}
	if err := d.floor.Raise(m.Kind, m.Name, m.Version); err != nil {
		d.log.Error("agent version floor not raised", "err", err)
	}
	d.log.Warn("agent binary replaced: restarting into it", "version", m.Version, "file", file, "requires", requires, "target", target)
	res.Restarting = true
	d.requestRestart(`"restarting":true`)
	return res, nil
}

// elfMachines maps GOARCH to the ELF machine of its executables.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "arm": elf.EM_ARM,
	"386": elf.EM_386, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
}

// checkExecutable refuses a file that is not an ELF executable for this
// machine's architecture.
func checkExecutable(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %s is not an executable", f.Type)
	}
	if want, ok := elfMachines[runtime.GOARCH]; ok && f.Machine != want {
		return fmt.Errorf("built for %s, this device is %s (%s)", f.Machine, runtime.GOARCH, want)
	}
	return nil
}

// preflight runs the new binary's `version --json` before anything is
// replaced: a binary that cannot start here is refused.
func preflight(path string) error {
	if err := os.Chmod(path, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version", "--json").Output()
	if err != nil {
		return fmt.Errorf("%s version --json: %w", filepath.Base(path), err)
	}
	var v struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		return fmt.Errorf("%s version --json printed %q", filepath.Base(path), bytes.TrimSpace(out))
	}
	return nil
}
