package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/sync/command"
)

// ReloadResult says what a reload did.
type ReloadResult struct {
	// Applied reports whether the new configuration runs now.
	Applied bool `json:"applied"`
	// RestartNeeded lists changed keys that take effect only at the next
	// start (the running values are kept).
	RestartNeeded []string `json:"restart_needed,omitempty"`
	Models        int      `json:"models"`
	Sensors       int      `json:"sensors"`
	Pipelines     int      `json:"pipelines"`
}

// Reload reads the configuration again (with the same --set overrides)
// and, when it is valid and its models load, replaces the running models,
// sensors and pipelines with the new ones. A bad configuration or a model
// that does not load keeps everything running as it was and returns why.
// Keys that need a restart (device, data_dir, socket, mqtt, buffer,
// log.format) keep their running values until then.
func (d *Daemon) Reload(ctx context.Context) (ReloadResult, error) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	_ = d.notifier.Reloading()
	d.log.Info("reloading configuration", "config", d.opts.ConfigPath)
	res, err := d.reload(ctx)
	d.mu.Lock()
	summary := d.summary()
	d.mu.Unlock()
	if err != nil {
		d.log.Error("reload refused: the running configuration stays", "err", err)
		_ = d.notifier.Ready(summary + "; last reload refused: " + err.Error())
		return res, err
	}
	_ = d.notifier.Ready(summary)
	return res, nil
}

func (d *Daemon) reload(ctx context.Context) (ReloadResult, error) {
	next, err := d.opts.loadConfig()
	if err != nil {
		return ReloadResult{}, err
	}
	prev := d.currentConfig()
	res := ReloadResult{RestartNeeded: config.RestartNeeded(prev, next)}
	if len(res.RestartNeeded) > 0 {
		d.log.Warn("changed keys take effect at the next restart", "keys", res.RestartNeeded)
		next.Device, next.DataDir, next.Socket, next.MQTT, next.Buffer = prev.Device, prev.DataDir, prev.Socket, prev.MQTT, prev.Buffer
		next.Log.Format = prev.Log.Format
	}
	return d.swap(ctx, next, res.RestartNeeded)
}

// swap builds next's models, sensors and pipelines beside the running ones
// and, when they all built, stops the running ones and starts the new.
func (d *Daemon) swap(ctx context.Context, next *config.Config, restart []string) (ReloadResult, error) {
	res := ReloadResult{RestartNeeded: restart}
	prev := d.currentConfig()
	gen, err := d.build(ctx, next)
	if err != nil {
		return res, err
	}
	old := d.current()
	stopCtx, cancel := context.WithTimeout(ctx, shutdownTimeout(prev))
	old.stop(stopCtx, d.log)
	cancel()
	d.mu.Lock()
	d.gen, d.cfg, d.loadedAt = gen, next, time.Now()
	d.mu.Unlock()
	gen.start(d)
	old.close()
	d.level.Set(parseLevel(next.Log.Level))
	res.Applied, res.Models, res.Sensors, res.Pipelines = true, len(gen.models), len(gen.sensors), len(gen.pipelines)
	d.log.Info("models, sensors and pipelines rebuilt", "models", res.Models, "sensors", res.Sensors, "pipelines", res.Pipelines)
	if up := d.sync.Uplink(); up != nil {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := up.PublishStatus(pctx); err != nil {
			d.log.Info("new status not published now; the next connection announces it", "err", err)
		}
		cancel()
	}
	return res, nil
}

func shutdownTimeout(c *config.Config) time.Duration {
	if t := c.Agent.ShutdownTimeout.Duration(); t > 0 {
		return t
	}
	return 10 * time.Second
}

// registerCommands adds the daemon's fleet commands to the ones the sync
// side registered (ping, status, probe, buffer.stats).
func (d *Daemon) registerCommands() {
	r := d.sync.Registry
	r.Register("config.get", command.Value(func(context.Context) (*config.Config, error) {
		return d.currentConfig().Redacted(), nil
	}))
	r.Register("reload", func(ctx context.Context, _ json.RawMessage) (any, error) {
		res, err := d.Reload(ctx)
		if err != nil {
			return nil, fmt.Errorf("reload refused, the running configuration stays: %w", err)
		}
		return res, nil
	})
	r.Register("models.list", func(context.Context, json.RawMessage) (any, error) {
		return (*backend)(d).Models(), nil
	})
	r.Register("ota.apply", d.cmdApply)
	r.Register("agent.update", d.cmdAgentUpdate)
	r.Register("model.activate", d.cmdActivate)
	r.Register("model.rollback", d.cmdRollback)
}

func (d *Daemon) now() time.Time { return time.Now() }

func (d *Daemon) sinceStart() time.Duration { return time.Since(d.started) }
