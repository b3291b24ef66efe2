package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/ota/fetch"
	"github.com/edge-agent/edge-agent/ota/store"
	"github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// The daemon's side of over-the-air model updates: installed versions live
// in the crash-safe store under data_dir/models, the highest version ever
// accepted per model in data_dir/ota.db. A configured model whose name
// has an active version in the store is served from there instead of its
// configured path.

// openOTA opens the model store and the version floor.
func (d *Daemon) openOTA(cfg *config.Config) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	st, err := store.Open(filepath.Join(cfg.DataDir, "models"))
	if err != nil {
		return fmt.Errorf("model store: %w", err)
	}
	for _, r := range st.OpenReport().Removed {
		d.log.Warn("model store: removed what an interrupted install left", "path", r)
	}
	for _, p := range st.OpenReport().Problems {
		d.log.Error("model store", "err", p)
	}
	fl, err := ota.OpenFloor(filepath.Join(cfg.DataDir, "ota.db"))
	if err != nil {
		st.Close()
		return fmt.Errorf("ota floor: %w", err)
	}
	d.store, d.floor = st, fl
	return nil
}

func (d *Daemon) closeOTA() error {
	var errs []error
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	if d.floor != nil {
		errs = append(errs, d.floor.Close())
	}
	return errors.Join(errs...)
}

// applyArgs are ota.apply's arguments: the bundle inline (base64) or where
// to fetch it.
type applyArgs struct {
	Bundle []byte `json:"bundle,omitempty"`
	URL    string `json:"url,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
	// WaitHealth makes the answer wait for the end of the new version's
	// health window and carry its verdict.
	WaitHealth bool `json:"wait_health,omitempty"`
}

// ApplyResult is ota.apply's answer.
type ApplyResult struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Version  int64  `json:"version"`
	Previous int64  `json:"previous,omitempty"`
	SHA256   string `json:"sha256"`
	KeyID    string `json:"key_id"`
	// File is the bundle file installed: the generic model or the variant
	// Requires picked for this device.
	File     string `json:"file"`
	Requires string `json:"requires,omitempty"`
	// Trial is the health window the new version is now in (absent: no
	// window configured).
	Trial *TrialInfo `json:"trial,omitempty"`
	// Health is the trial's verdict, when the command asked to wait for
	// it (wait_health).
	Health *Verdict `json:"health,omitempty"`
	// Restarting: an agent binary was installed and the agent restarts
	// into it once this answer is sent.
	Restarting bool `json:"restarting,omitempty"`

	trial *trial
}

// TrialInfo describes a new version's health window.
type TrialInfo struct {
	Window string    `json:"window"`
	Until  time.Time `json:"until"`
}

// trialInfo describes t (nil: no trial).
func trialInfo(t *trial, window time.Duration) *TrialInfo {
	if t == nil {
		return nil
	}
	return &TrialInfo{Window: window.String(), Until: time.Now().Add(window).UTC()}
}

// awaitVerdict waits for a trial's end and returns its verdict; a version
// rolled back is a failure with the code rolled_back.
func awaitVerdict(ctx context.Context, t *trial) (*Verdict, error) {
	select {
	case <-t.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the health window: %w", ctx.Err())
	}
	v := t.verdict
	if v.State == "rolled_back" {
		return &v, refusal("rolled_back", fmt.Errorf("%s version %d failed its health window and was rolled back: %s", t.rec.Name, t.rec.Version, v.Reason))
	}
	return &v, nil
}

// refusal is an error with a code for the fleet's response.
func refusal(code string, err error) error {
	return &wire.Error{Code: code, Message: err.Error()}
}

func (d *Daemon) cmdApply(ctx context.Context, raw json.RawMessage) (any, error) {
	return d.applyCommand(ctx, "ota.apply", "", raw)
}

// cmdAgentUpdate is agent.update: ota.apply for bundles of kind agent only.
func (d *Daemon) cmdAgentUpdate(ctx context.Context, raw json.RawMessage) (any, error) {
	return d.applyCommand(ctx, "agent.update", ota.KindAgent, raw)
}

// applyCommand runs ota.apply or agent.update: kind "" takes any kind.
func (d *Daemon) applyCommand(ctx context.Context, name, kind string, raw json.RawMessage) (any, error) {
	var a applyArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, refusal("bad_args", fmt.Errorf("%s takes {\"bundle\": BASE64} or {\"url\", \"sha256\", \"size\"}: %v", name, err))
	}
	cfg := d.currentConfig()
	var r io.Reader
	switch {
	case len(a.Bundle) > 0 && a.URL == "":
		r = bytes.NewReader(a.Bundle)
	case a.URL != "" && len(a.Bundle) == 0:
		path := filepath.Join(cfg.DataDir, "ota-download")
		command.ReportProgress(ctx, wire.Progress{Stage: "download", Total: a.Size})
		err := fetch.Fetch(ctx, fetch.Target{URL: a.URL, SHA256: a.SHA256, Size: a.Size}, path, fetch.Options{
			MaxBytes: cfg.OTA.MaxBundleBytes.Int64(),
			Progress: func(have, total int64) {
				command.ReportProgress(ctx, wire.Progress{Stage: "download", Done: have, Total: total})
			},
		})
		if err != nil {
			return nil, refusal("fetch_failed", err)
		}
		defer os.Remove(path)
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	default:
		return nil, refusal("bad_args", fmt.Errorf("%s takes exactly one of bundle (base64) and url", name))
	}
	command.ReportProgress(ctx, wire.Progress{Stage: "verify"})
	res, err := d.applyBundle(ctx, r, kind)
	if err != nil {
		d.log.Error("ota bundle refused", "err", err)
		return nil, err
	}
	if a.WaitHealth && res.trial != nil {
		command.ReportProgress(ctx, wire.Progress{Stage: "health", Message: "version " + strconv.FormatInt(res.Version, 10) + " on trial for " + res.Trial.Window})
		v, err := awaitVerdict(ctx, res.trial)
		res.Health = v
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// ApplyBundle verifies a bundle and applies it. A model is installed in
// the store, activated and served (a model that does not load is rolled
// back at once, one that fails its health window later); an agent binary
// replaces the running one, and the agent restarts. Every refusal is
// logged and returned with its reason code.
func (d *Daemon) ApplyBundle(ctx context.Context, r io.Reader) (ApplyResult, error) {
	return d.applyBundle(ctx, r, "")
}

func (d *Daemon) applyBundle(ctx context.Context, r io.Reader, kind string) (ApplyResult, error) {
	d.otaMu.Lock()
	defer d.otaMu.Unlock()
	cfg := d.currentConfig()
	var keys []ota.Public
	for _, k := range cfg.OTA.TrustedKeys {
		pk, err := ota.ParsePublicKey(k)
		if err != nil {
			return ApplyResult{}, fmt.Errorf("ota.trusted_keys: %w", err)
		}
		keys = append(keys, pk)
	}
	stage, cleanup, err := d.store.StagingDir()
	if err != nil {
		return ApplyResult{}, err
	}
	defer cleanup()
	v, err := ota.Verify(r, ota.VerifyOptions{
		TrustedKeys: keys, RevokedKeyIDs: cfg.OTA.RevokedKeys, Kind: kind,
		AllowDowngrade: cfg.OTA.AllowDowngrade, MaxBundleBytes: cfg.OTA.MaxBundleBytes.Int64(),
		Installed: d.installedVersion,
	}, stage)
	if err != nil {
		if c := ota.Code(err); c != "" {
			return ApplyResult{}, refusal(c, err)
		}
		return ApplyResult{}, err
	}
	m := v.Manifest
	if m.Kind == ota.KindAgent {
		return d.applyAgent(ctx, v)
	}
	file, requires := v.PickVariant(d.hwProfile())
	if strings.Contains(file, "/") {
		return ApplyResult{}, refusal("bad_path", fmt.Errorf("model file %q: the store keeps model files at the top of a version's folder", file))
	}
	res := ApplyResult{Kind: m.Kind, Name: m.Name, Version: m.Version, KeyID: v.KeyID, File: file, Requires: requires}
	for _, f := range m.Files {
		if f.Path == file {
			res.SHA256 = f.SHA256
		}
	}
	meta := storeMeta(v, file, res.SHA256)
	if m.SelfTest != nil {
		if meta.SelfTest, err = json.Marshal(m.SelfTest); err != nil {
			return res, err
		}
	}
	command.ReportProgress(ctx, wire.Progress{Stage: "install"})
	dir, err := d.store.Install(m.Name, m.Version, stage, meta)
	if err != nil {
		return res, err
	}
	d.log.Info("ota bundle installed", "model", m.Name, "version", m.Version, "file", file, "requires", requires, "key_id", v.KeyID)
	if err := runSelfTest(m.Name, m.Version, dir, file, meta.SelfTest); err != nil {
		d.log.Error("new model version failed its self-test: not activated", "model", m.Name, "version", m.Version, "err", err)
		return res, refusal("self_test_failed", fmt.Errorf("%s version %d: %w; the running version stays", m.Name, m.Version, err))
	}
	command.ReportProgress(ctx, wire.Progress{Stage: "activate"})
	prev, t, err := d.activate(ctx, m.Name, m.Version)
	res.Previous, res.trial = prev, t
	res.Trial = trialInfo(t, cfg.OTA.Health.Window.Duration())
	if err != nil {
		return res, err
	}
	// The floor rises once the version is active: a bundle interrupted
	// before (a crash, a power cut) can be sent again, and a version that
	// did not load or failed its self-test raises nothing. A version
	// activated and later rolled back by its health window stays the
	// floor, so it cannot be installed again.
	if err := d.floor.Raise(m.Kind, m.Name, m.Version); err != nil {
		return res, err
	}
	return res, nil
}

// installedVersion is the floor a bundle must be above: the highest
// version ever accepted, and the active one.
func (d *Daemon) installedVersion(kind, name string) (int64, error) {
	n, err := d.floor.Get(kind, name)
	if err != nil {
		return 0, err
	}
	if a, ok := d.store.Active(name); ok && kind == ota.KindModel {
		n = max(n, a.Version)
	}
	return n, nil
}

// activate switches name to version in the store and rebuilds the models,
// sensors and pipelines, then puts the version on trial; when the new
// version does not load, the store goes back to what was active (the
// previous version, or the configured model) and the running generation
// stays. The caller holds otaMu.
func (d *Daemon) activate(ctx context.Context, name string, version int64) (prev int64, t *trial, err error) {
	prev, err = d.store.Activate(name, version)
	if err != nil {
		return 0, nil, refusal("activate_failed", err)
	}
	if prev == version {
		return prev, nil, nil // already active: nothing changes
	}
	if _, err := d.rebuild(ctx); err != nil {
		var rerr error
		if prev > 0 {
			_, rerr = d.store.Rollback(name)
		} else {
			_, rerr = d.store.Deactivate(name)
		}
		if rerr != nil {
			d.log.Error("rollback after a failed activation failed", "model", name, "err", rerr)
		}
		back := "the configured model is"
		if prev > 0 {
			back = fmt.Sprintf("version %d is", prev)
		}
		d.log.Error("model version rolled back: it did not load", "model", name, "version", version, "back_to", prev, "err", err)
		return prev, nil, refusal("rolled_back", fmt.Errorf("%s version %d did not load, %s active again: %w", name, version, back, err))
	}
	d.log.Info("model version active", "model", name, "version", version, "previous", prev)
	return prev, d.beginTrial(name, version, prev), nil
}

// rebuild builds the running configuration again (the store's active
// versions included) and swaps it in, as a reload does.
func (d *Daemon) rebuild(ctx context.Context) (ReloadResult, error) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	return d.swap(ctx, d.currentConfig(), nil)
}

type modelArgs struct {
	Name    string `json:"name"`
	Version int64  `json:"version"`
}

func (d *Daemon) cmdActivate(ctx context.Context, raw json.RawMessage) (any, error) {
	var a modelArgs
	if err := json.Unmarshal(raw, &a); err != nil || a.Name == "" || a.Version < 1 {
		return nil, refusal("bad_args", errors.New(`model.activate takes {"name": NAME, "version": N}`))
	}
	d.otaMu.Lock()
	defer d.otaMu.Unlock()
	for _, v := range d.store.Versions(a.Name) {
		if v.Version == a.Version {
			if err := runSelfTest(a.Name, a.Version, v.Dir, filepath.Base(v.Primary), v.Meta.SelfTest); err != nil {
				return nil, refusal("self_test_failed", fmt.Errorf("%s version %d: %w", a.Name, a.Version, err))
			}
		}
	}
	prev, t, err := d.activate(ctx, a.Name, a.Version)
	if err != nil {
		return nil, err
	}
	return map[string]any{"name": a.Name, "version": a.Version, "previous": prev,
		"trial": trialInfo(t, d.currentConfig().OTA.Health.Window.Duration())}, nil
}

func (d *Daemon) cmdRollback(ctx context.Context, raw json.RawMessage) (any, error) {
	var a modelArgs
	if err := json.Unmarshal(raw, &a); err != nil || a.Name == "" {
		return nil, refusal("bad_args", errors.New(`model.rollback takes {"name": NAME}`))
	}
	d.otaMu.Lock()
	defer d.otaMu.Unlock()
	cur, ok := d.store.Active(a.Name)
	if !ok {
		return nil, refusal("rollback_failed", fmt.Errorf("model %s has no installed version active: the configured model is served", a.Name))
	}
	// Back to the previous installed version or, with none, to the
	// configured model.
	to, err := d.storeBack(a.Name)
	if err != nil {
		return nil, refusal("rollback_failed", err)
	}
	if _, err := d.rebuild(ctx); err != nil {
		if _, aerr := d.store.Activate(a.Name, cur.Version); aerr != nil {
			d.log.Error("model rollback undone failed", "model", a.Name, "err", aerr)
		}
		return nil, refusal("rollback_failed", fmt.Errorf("version %d did not load, %d stays: %w", to, cur.Version, err))
	}
	d.endTrial(a.Name, "superseded", fmt.Sprintf("rolled back to version %d by command", to))
	d.log.Info("model rolled back", "model", a.Name, "from", cur.Version, "to", to)
	return map[string]any{"name": a.Name, "version": to, "from": cur.Version, "configured": to == 0}, nil
}

// otaDeadline bounds a command that downloads and installs.
const otaDeadline = 30 * time.Minute

// runSelfTest loads the model file of an installed version on its own and
// checks that the self-test inputs give the self-test outputs (raw is the
// store's copy of the manifest's self_test; nil: no self-test).
func runSelfTest(name string, version int64, dir, file string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var st ota.SelfTest
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	m, err := models.Load(models.Spec{Name: name, Version: version, Path: filepath.Join(dir, filepath.FromSlash(file))})
	if err != nil {
		return err
	}
	defer m.Close()
	var req api.InferRequest
	for _, p := range st.Inputs {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return fmt.Errorf("self-test input: %w", err)
		}
		req.RawInputs = append(req.RawInputs, b)
	}
	resp, err := m.Infer(req)
	if err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	if len(resp.Outputs) != len(st.Outputs) {
		return fmt.Errorf("self-test: the model has %d outputs, the test expects %d", len(resp.Outputs), len(st.Outputs))
	}
	for i, p := range st.Outputs {
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return fmt.Errorf("self-test output: %w", err)
		}
		got := resp.Outputs[i]
		if st.MaxDiff == 0 {
			if !bytes.Equal(got.Raw, want) {
				return fmt.Errorf("self-test: output %d differs from %s", i, p)
			}
			continue
		}
		if len(want) != len(got.Raw) {
			return fmt.Errorf("self-test: output %d has %d bytes, %s has %d", i, len(got.Raw), p, len(want))
		}
		// Compare real values: the expected bytes are read as the same
		// tensor type by putting them through the same dequantization.
		exp, err := m.DequantizeOutput(i, want)
		if err != nil {
			return fmt.Errorf("self-test: %w", err)
		}
		for k := range exp {
			if d := math.Abs(exp[k] - got.Values[k]); !(d <= st.MaxDiff) {
				return fmt.Errorf("self-test: output %d element %d is %g, want %g within %g", i, k, got.Values[k], exp[k], st.MaxDiff)
			}
		}
	}
	return nil
}
