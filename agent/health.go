package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/internal/fsutil"
)

// The health gate after a model switch: a version activated over the air
// (ota.apply, model.activate) is on trial for ota.health.window. While on
// trial its inferences are watched; an error rate or a 95th-percentile
// latency beyond the configured bounds rolls it back, to the previous
// installed version or, when there is none, to the configured model. A
// trial survives restarts (data_dir/ota-trials.json): each start during
// a trial counts, and a version that sees more than
// ota.health.max_restarts starts (one that crashes the agent, say) is
// rolled back before it is loaded again. Every rollback is logged,
// appended to the alerts stream and kept as the trial's verdict.

const trialsFile = "ota-trials.json"

// trialRecord is a trial as persisted.
type trialRecord struct {
	Name     string    `json:"name"`
	Version  int64     `json:"version"`
	Previous int64     `json:"previous,omitempty"`
	Started  time.Time `json:"started"`
	// Starts counts the agent starts since the trial began.
	Starts int `json:"starts,omitempty"`
}

// Verdict is how a trial ended.
type Verdict struct {
	// State is passed, rolled_back or superseded (another version was
	// activated, the model rolled back by command, or removed).
	State string `json:"state"`
	// Reason says why a version was rolled back, or why it passed
	// unjudged.
	Reason string `json:"reason,omitempty"`
	// To is the version now active after a rollback (0: the configured
	// model).
	To int64 `json:"to,omitempty"`
	// Calls and Errors are the inferences seen during the trial.
	Calls  uint64 `json:"calls"`
	Errors uint64 `json:"errors"`
}

// trial is a running trial.
type trial struct {
	rec     trialRecord
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed with verdict set
	verdict Verdict
}

// trialState is what the daemon keeps of trials.
type trialState struct {
	running map[string]*trial
	// records are the persisted trials, the running ones and those
	// waiting for the generation to start.
	records map[string]trialRecord
}

// trialsPath returns data_dir/ota-trials.json.
func (d *Daemon) trialsPath() string {
	return filepath.Join(d.currentConfig().DataDir, trialsFile)
}

// loadTrials reads the persisted trials; a damaged file is set aside (and
// its trials are over: the versions stay, unjudged).
func (d *Daemon) loadTrials() map[string]trialRecord {
	recs := map[string]trialRecord{}
	path := d.trialsPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return recs
	}
	if err == nil {
		var list []trialRecord
		if err = json.Unmarshal(b, &list); err == nil {
			for _, r := range list {
				if r.Name != "" && r.Version > 0 {
					recs[r.Name] = r
				}
			}
			return recs
		}
	}
	d.log.Error("ota trials file unreadable: set aside, the versions on trial stay active", "path", path, "err", err)
	_ = os.Rename(path, path+".corrupt")
	return recs
}

// saveTrials persists the trial records (the caller holds otaMu) and
// publishes a copy for the models listing.
func (d *Daemon) saveTrials() error {
	snap := make(map[string]trialRecord, len(d.trials.records))
	for k, v := range d.trials.records {
		snap[k] = v
	}
	d.trialSnap.Store(&snap)
	list := make([]trialRecord, 0, len(d.trials.records))
	for _, r := range d.trials.records {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	path := d.trialsPath()
	if len(list) == 0 {
		err := os.Remove(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil {
			err = fsutil.SyncDir(filepath.Dir(path))
		}
		return err
	}
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, append(b, '\n'), 0o640)
}

// resumeTrials runs at start, before the models load: each persisted
// trial whose version is still active counts one more start; one that has
// seen too many is rolled back now, the others are watched again (with a
// fresh window) once the daemon runs. The caller holds no lock.
func (d *Daemon) resumeTrials(cfg *config.Config) {
	d.otaMu.Lock()
	defer d.otaMu.Unlock()
	d.trials.records = d.loadTrials()
	changed := false
	for name, r := range d.trials.records {
		a, ok := d.store.Active(name)
		if !ok || a.Version != r.Version {
			delete(d.trials.records, name)
			changed = true
			continue
		}
		r.Starts++
		d.trials.records[name] = r
		changed = true
		if r.Starts > cfg.OTA.Health.MaxRestarts {
			reason := fmt.Sprintf("the agent started %d times while version %d was on trial (ota.health.max_restarts %d)", r.Starts, r.Version, cfg.OTA.Health.MaxRestarts)
			to, err := d.storeBack(name)
			if err != nil {
				d.log.Error("rollback of a model version on trial failed", "model", name, "version", r.Version, "err", err)
				continue
			}
			delete(d.trials.records, name)
			d.reportRollback(name, r.Version, Verdict{State: "rolled_back", Reason: reason, To: to})
		}
	}
	if changed {
		if err := d.saveTrials(); err != nil {
			d.log.Error("ota trials not saved", "err", err)
		}
	}
}

// startTrials starts watching the resumed trials once the daemon runs.
func (d *Daemon) startTrials() {
	d.otaMu.Lock()
	defer d.otaMu.Unlock()
	names := make([]string, 0, len(d.trials.records))
	for name := range d.trials.records {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d.watch(d.trials.records[name])
	}
}

// beginTrial puts a just-activated version on trial (the caller holds
// otaMu). A trial of the same model still running is superseded.
func (d *Daemon) beginTrial(name string, version, prev int64) *trial {
	d.endTrial(name, "superseded", fmt.Sprintf("version %d was activated", version))
	if d.currentConfig().OTA.Health.Window.Duration() <= 0 {
		return nil
	}
	r := trialRecord{Name: name, Version: version, Previous: prev, Started: time.Now().UTC()}
	d.trials.records[name] = r
	if err := d.saveTrials(); err != nil {
		d.log.Error("ota trial not saved: a restart ends it unjudged", "model", name, "err", err)
	}
	return d.watch(r)
}

// endTrial stops a model's running trial, if any, with the given verdict
// (the caller holds otaMu).
func (d *Daemon) endTrial(name, state, reason string) {
	if t := d.trials.running[name]; t != nil {
		t.verdict = Verdict{State: state, Reason: reason}
		t.cancel()
		delete(d.trials.running, name)
	}
	if _, ok := d.trials.records[name]; ok {
		delete(d.trials.records, name)
		if err := d.saveTrials(); err != nil {
			d.log.Error("ota trials not saved", "err", err)
		}
	}
}

// watch starts the watcher of a trial (the caller holds otaMu).
func (d *Daemon) watch(r trialRecord) *trial {
	ctx, cancel := context.WithCancel(d.bg)
	t := &trial{rec: r, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	d.trials.running[r.Name] = t
	d.log.Info("model version on trial", "model", r.Name, "version", r.Version, "window", d.currentConfig().OTA.Health.Window.Duration())
	d.bgWG.Add(1)
	go func() {
		defer d.bgWG.Done()
		defer close(t.done)
		d.watchTrial(t)
	}()
	return t
}

// watchTrial judges a trial until its window ends, it fails, or it is
// cancelled (superseded, or the daemon stopping: the record stays for the
// next start).
func (d *Daemon) watchTrial(t *trial) {
	h := d.currentConfig().OTA.Health
	window := h.Window.Duration()
	tick := min(max(window/20, 20*time.Millisecond), 5*time.Second)
	end := time.Now().Add(window)
	tk := time.NewTicker(tick)
	defer tk.Stop()
	var (
		inst        *models.Model
		carry, last models.Health
	)
	for {
		select {
		case <-t.ctx.Done():
			return
		case <-tk.C:
		}
		m := d.current().models[t.rec.Name]
		if m == nil || m.Meta().Version != t.rec.Version {
			d.finishTrial(t, Verdict{State: "superseded", Reason: "the model's active version changed"}, false)
			return
		}
		if m != inst {
			// A reload loaded the model again: its counters start over.
			carry.Calls += last.Calls
			carry.Errors += last.Errors
			inst = m
		}
		last = m.Health()
		total := last
		total.Calls += carry.Calls
		total.Errors += carry.Errors
		v := Verdict{Calls: total.Calls, Errors: total.Errors}
		if reason := judge(total, h); reason != "" {
			v.State, v.Reason = "rolled_back", reason
			d.finishTrial(t, v, true)
			return
		}
		if !time.Now().Before(end) {
			v.State = "passed"
			if total.Calls < uint64(h.MinCalls) {
				v.Reason = fmt.Sprintf("only %d inferences in the window (ota.health.min_calls %d): not judged", total.Calls, h.MinCalls)
			}
			d.finishTrial(t, v, false)
			return
		}
	}
}

// judge returns why h is outside the bounds, or "".
func judge(h models.Health, b config.HealthConfig) string {
	if h.Calls < uint64(max(b.MinCalls, 1)) {
		return ""
	}
	if rate := float64(h.Errors) / float64(h.Calls); rate > b.MaxErrorRate {
		return fmt.Sprintf("error rate %.2f (%d of %d inferences failed, last: %s) above ota.health.max_error_rate %g",
			rate, h.Errors, h.Calls, h.LastError, b.MaxErrorRate)
	}
	if lim := b.MaxLatency.Duration(); lim > 0 && len(h.Latencies) >= b.MinCalls {
		if p95 := h.Quantile(0.95); p95 > lim {
			return fmt.Sprintf("95th percentile latency %s over %d inferences above ota.health.max_latency %s", p95, len(h.Latencies), lim)
		}
	}
	return ""
}

// finishTrial ends a trial: it passed, or it failed and the version is
// rolled back.
func (d *Daemon) finishTrial(t *trial, v Verdict, rollback bool) {
	d.otaMu.Lock()
	defer d.otaMu.Unlock()
	if t.ctx.Err() != nil || d.trials.running[t.rec.Name] != t {
		return // superseded meanwhile; endTrial set the verdict
	}
	name, version := t.rec.Name, t.rec.Version
	if rollback {
		if a, ok := d.store.Active(name); ok && a.Version == version {
			to, err := d.storeBack(name)
			if err != nil {
				v.Reason += "; the rollback failed: " + err.Error()
				d.log.Error("rollback of a model version that failed its health window failed", "model", name, "version", version, "err", err)
			} else {
				v.To = to
				if _, err := d.rebuild(d.bg); err != nil {
					d.log.Error("after the rollback the models did not load", "model", name, "err", err)
				}
			}
		}
		d.reportRollback(name, version, v)
	} else if v.State == "passed" {
		d.log.Info("model version passed its health window", "model", name, "version", version, "calls", v.Calls, "errors", v.Errors, "note", v.Reason)
	}
	t.verdict = v
	delete(d.trials.running, name)
	delete(d.trials.records, name)
	if err := d.saveTrials(); err != nil {
		d.log.Error("ota trials not saved", "err", err)
	}
}

// storeBack makes the store serve what a model had before its active
// version: the previous installed version, or (none) no version, so the
// configured model is served. It returns the version now active (0: the
// configured model). The caller holds otaMu.
func (d *Daemon) storeBack(name string) (int64, error) {
	if _, ok := d.store.Previous(name); ok {
		return d.store.Rollback(name)
	}
	_, err := d.store.Deactivate(name)
	return 0, err
}

// reportRollback logs a rollback and appends it to the alerts stream.
func (d *Daemon) reportRollback(name string, version int64, v Verdict) {
	to := "the configured model"
	if v.To > 0 {
		to = fmt.Sprintf("version %d", v.To)
	}
	d.log.Error("model version failed its health gate: rolled back", "model", name, "version", version, "to", to, "reason", v.Reason)
	alert := map[string]any{
		"ts": time.Now().UTC(), "kind": "ota.rollback", "model": name, "version": version,
		"to": v.To, "reason": v.Reason,
	}
	d.alert(alert)
}

// alert appends an alert record, or keeps it until the outbox is open.
func (d *Daemon) alert(a map[string]any) {
	b, err := json.Marshal(a)
	if err != nil {
		return
	}
	d.alertMu.Lock()
	defer d.alertMu.Unlock()
	if d.sync == nil {
		d.pendingAlerts = append(d.pendingAlerts, b)
		return
	}
	if _, err := d.sync.Outbox.Append(d.bg, "alerts", b); err != nil {
		d.log.Error("alert not stored", "err", err)
	}
}

// flushAlerts appends the alerts raised before the outbox opened.
func (d *Daemon) flushAlerts() {
	d.alertMu.Lock()
	defer d.alertMu.Unlock()
	for _, b := range d.pendingAlerts {
		if _, err := d.sync.Outbox.Append(d.bg, "alerts", b); err != nil {
			d.log.Error("alert not stored", "err", err)
		}
	}
	d.pendingAlerts = nil
}

// installedInfo lists a model's installed versions and its trial, for
// the models listing.
func (d *Daemon) installedInfo(name string) ([]api.InstalledVersion, *api.ModelTrial) {
	if d.store == nil {
		return nil, nil
	}
	active, _ := d.store.Active(name)
	prev, _ := d.store.Previous(name)
	var out []api.InstalledVersion
	for _, v := range d.store.Versions(name) {
		state := "installed"
		switch v.Version {
		case active.Version:
			state = "active"
		case prev.Version:
			state = "previous"
		}
		out = append(out, api.InstalledVersion{Version: v.Version, State: state, SHA256: v.Meta.SHA256,
			File: v.Meta.Primary, InstalledAt: v.Meta.Installed, Source: v.Meta.Source})
	}
	// Not under otaMu, which an install holds for as long as a download.
	if snap := d.trialSnap.Load(); snap != nil {
		if r, ok := (*snap)[name]; ok && r.Version == active.Version {
			return out, &api.ModelTrial{Version: r.Version, Since: r.Started, Starts: r.Starts}
		}
	}
	return out, nil
}
