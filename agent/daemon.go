package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/broker"
	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/agent/history"
	"github.com/edge-agent/edge-agent/agent/notify"
	"github.com/edge-agent/edge-agent/hwprobe"
	"github.com/edge-agent/edge-agent/internal/procmem"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/ota/selfupdate"
	"github.com/edge-agent/edge-agent/ota/store"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/uplink"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Options start the daemon.
type Options struct {
	// ConfigPath is the YAML configuration; ConfigData, when set, is used
	// instead of reading ConfigPath (the embedded demo), and ConfigPath
	// only names it in messages.
	ConfigPath string
	ConfigData []byte
	// Sets are --set key.path=value overrides, applied at start and at
	// every reload.
	Sets []string
	// Version is the agent's version, published in its status.
	Version string
	// LogOutput receives the log (default os.Stderr).
	LogOutput io.Writer
	// Reload receives a value for every reload request (SIGHUP).
	Reload <-chan struct{}
	// ProbeRoot reads /proc, /sys and /dev under this folder (tests).
	ProbeRoot string
	// Ready, when set, is called once the daemon is ready (models
	// loaded, socket listening), after systemd is told.
	Ready func()
	// FastSensors makes simulated and file sensors emit without waiting
	// between samples (benchmarks, tests).
	FastSensors bool
	// AfterBoot, when set, is called once the self-update boot check has
	// counted this start, before anything else starts (the self-update
	// tests build an agent that crashes there).
	AfterBoot func()
}

// Daemon is the running agent: every subsystem, wired once.
type Daemon struct {
	opts     Options
	log      *slog.Logger
	level    *slog.LevelVar
	started  time.Time
	profile  []byte
	usable   int
	notifier *notify.Notifier

	broker  *broker.Broker
	sync    *Sync
	history *history.History
	server  *api.Server
	metrics inferenceObserver

	mu       sync.Mutex // guards cfg, gen, loadedAt
	cfg      *config.Config
	gen      *generation
	loadedAt time.Time
	reloadMu sync.Mutex // one reload at a time
	sinkMu   sync.Mutex // orders outbox appends with the history

	prof  *hwprobe.Profile
	store *store.Store // installed model versions (OTA)
	floor *ota.Floor   // highest version ever accepted, per model
	otaMu sync.Mutex   // one install, activation or rollback at a time
	// trials are the model versions on trial (health.go); guarded by otaMu.
	// trialSnap is a copy of trials.records for readers without otaMu.
	trials    trialState
	trialSnap atomic.Pointer[map[string]trialRecord]

	// bg is cancelled when the daemon stops; bgWG waits for the
	// goroutines started under it (trial watchers).
	bg       context.Context
	bgCancel context.CancelFunc
	bgWG     sync.WaitGroup

	alertMu       sync.Mutex
	pendingAlerts [][]byte // alerts raised before the outbox opened

	// Self-update (selfupdate.go): the trial of this binary, if it is a
	// new one; quit stops Run, restart makes it return ErrRestart;
	// respSent is signalled when the answer to an agent update is sent.
	agentTrial *selfupdate.Decision
	quit       context.CancelFunc
	restart    atomic.Bool
	respSent   chan struct{}
}

// inferenceObserver records inference times (the Prometheus metrics).
type inferenceObserver interface {
	ObserveInference(pipeline string, d time.Duration)
}

// loadConfig reads the configuration with the --set overrides.
func (o Options) loadConfig() (*config.Config, error) {
	if o.ConfigData != nil {
		return config.Parse(o.ConfigData, o.ConfigPath, o.Sets)
	}
	return config.Load(o.ConfigPath, o.Sets)
}

func newLogger(c *config.Config, w io.Writer, level *slog.LevelVar) *slog.Logger {
	level.Set(parseLevel(c.Log.Level))
	ho := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// Run starts the daemon and serves until ctx is done, then stops it
// gracefully within agent.shutdown_timeout. A configuration error, a model
// that does not load or a socket that cannot be served stops the start with
// an error saying which.
func Run(ctx context.Context, o Options) error {
	if o.LogOutput == nil {
		o.LogOutput = os.Stderr
	}
	cfg, err := o.loadConfig()
	if err != nil {
		return err
	}
	d := &Daemon{opts: o, cfg: cfg, level: new(slog.LevelVar), started: time.Now(), loadedAt: time.Now(),
		trials: trialState{running: map[string]*trial{}, records: map[string]trialRecord{}}}
	d.bg, d.bgCancel = context.WithCancel(context.Background())
	d.respSent = make(chan struct{}, 1)
	d.log = newLogger(cfg, o.LogOutput, d.level)
	d.notifier = notify.New(d.log)
	if d.bootCheck() {
		return ErrRestart
	}
	if o.AfterBoot != nil {
		o.AfterBoot()
	}
	ctx, d.quit = context.WithCancel(ctx)
	defer d.quit()
	d.releaseStartupPages("init")
	if err := d.start(ctx); err != nil {
		d.stop()
		return err
	}
	err = d.serve(ctx)
	if err == nil && d.restart.Load() {
		return ErrRestart
	}
	return err
}

// start brings every subsystem up, in dependency order.
func (d *Daemon) start(ctx context.Context) error {
	cfg := d.cfg
	d.log.Info("edge-agent starting", "version", d.opts.Version, "config", d.opts.ConfigPath, "device", cfg.Device.ID, "pid", os.Getpid())
	_ = d.notifier.Status("probing hardware")
	p, err := hwprobe.Probe(ctx, hwprobe.Options{Root: d.opts.ProbeRoot})
	if err != nil {
		return fmt.Errorf("hardware probe: %w", err)
	}
	d.mu.Lock()
	d.prof = p
	d.mu.Unlock()
	d.profile, _ = json.Marshal(p)
	d.usable = max(1, hwprobe.UsableCPUs(p))

	if err := d.openOTA(cfg); err != nil {
		return err
	}
	d.resumeTrials(cfg)
	_ = d.notifier.Status("loading models")
	gen, err := d.build(ctx, cfg)
	if err != nil {
		// An installed version that does not load (a crash between
		// activation and its check, say) goes back to the previous one.
		if name, ok := d.rollbackBroken(err); ok {
			d.log.Error("installed model version does not load: rolled back", "model", name, "err", err)
			gen, err = d.build(ctx, cfg)
		}
		if err != nil {
			return err
		}
	}
	d.gen = gen

	brokerURL := cfg.MQTT.Broker
	if brokerURL == "embedded" {
		b, err := broker.Start(cfg.MQTT.EmbeddedListen, d.log)
		if err != nil {
			return err
		}
		d.broker = b
		brokerURL = b.URL()
		d.log.Info("embedded MQTT broker listening", "url", brokerURL)
	}
	d.history = history.New(cfg.Socket.History)
	policy := outbox.DropOldest
	if cfg.Buffer.Policy == "reject_new" {
		policy = outbox.RejectNew
	}
	metricsEvery := cfg.MQTT.MetricsInterval.Duration()
	if metricsEvery <= 0 {
		metricsEvery = -1
	}
	d.sync, err = StartSync(ctx, SyncOptions{
		DataDir: cfg.DataDir, DeviceID: cfg.Device.ID, Groups: cfg.Device.Groups, Broker: brokerURL, Prefix: cfg.MQTT.Prefix,
		Uplink: uplink.Options{
			Username: cfg.MQTT.Username, PasswordFile: cfg.MQTT.PasswordFile, CAFile: cfg.MQTT.CAFile,
			CertFile: cfg.MQTT.CertFile, KeyFile: cfg.MQTT.KeyFile,
			KeepAlive: cfg.MQTT.Keepalive.Duration(), ConnectTimeout: cfg.MQTT.ConnectTimeout.Duration(),
			BatchMaxRecords: cfg.MQTT.BatchMaxRecords, BatchMaxBytes: int(cfg.MQTT.BatchMaxBytes.Int64()),
			Gzip: cfg.MQTT.Gzip, RateMessages: cfg.MQTT.RateMessages, RateBytes: float64(cfg.MQTT.RateBytes.Int64()),
		},
		Outbox:          outbox.Options{MaxBytes: cfg.Buffer.MaxBytes.Int64(), MaxAge: cfg.Buffer.MaxAge.Duration(), Policy: policy},
		MetricsInterval: metricsEvery,
		AgentVersion:    d.opts.Version,
		ModelsFunc:      d.modelMetas,
		Profile:         d.profile,
		CommandTimeouts: map[string]time.Duration{"ota.apply": otaDeadline, "agent.update": otaDeadline, "model.activate": otaDeadline, "model.rollback": otaDeadline, "reload": otaDeadline},
		OnRespond:       d.onRespond,
		Logger:          d.log,
	})
	if err != nil {
		return err
	}
	d.flushAlerts()
	d.reportAgentResult()
	d.registerCommands()

	handler, err := d.startMetrics()
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	d.server, err = api.Listen(api.Options{
		Path: cfg.Socket.Path, Mode: cfg.Socket.Mode.Perm(), Group: cfg.Socket.Group, AdminGroup: cfg.Socket.AdminGroup,
		Backend: (*backend)(d), Metrics: handler, Logger: d.log,
	})
	if err != nil {
		return err
	}
	d.gen.start(d)
	d.startTrials()
	d.bgWG.Add(1)
	go func() {
		defer d.bgWG.Done()
		d.reprobeLoop(d.bg)
	}()
	if d.agentTrial != nil {
		d.bgWG.Add(1)
		go func() {
			defer d.bgWG.Done()
			d.watchAgentTrial(d.bg)
		}()
	}
	return nil
}

// releaseStartupPages drops the pages of the binary that start-up touched
// (procmem): once before the models load, when Go has run every linked
// package's init and left most of the binary resident, so that they do not
// add to the peak, and once ready, for the loading code.
func (d *Daemon) releaseStartupPages(stage string) {
	rel, err := procmem.ReleaseExecutablePages()
	if err != nil {
		d.log.Warn("releasing start-up pages", "stage", stage, "err", err)
		return
	}
	d.log.Debug("released start-up pages of the executable", "stage", stage, "bytes", rel.Released(), "rss", rel.After.RSS)
}

// serve runs until ctx is done, reloading on request.
func (d *Daemon) serve(ctx context.Context) error {
	srvErr := make(chan error, 1)
	go func() { srvErr <- d.server.Serve(ctx) }()
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	go d.notifier.RunWatchdog(wctx, d.healthy)

	d.mu.Lock()
	summary := d.summary()
	d.mu.Unlock()
	_ = d.notifier.Ready(summary)
	d.log.Info("edge-agent ready", "socket", d.cfg.Socket.Path, "status", summary)
	d.releaseStartupPages("ready")
	if d.opts.Ready != nil {
		d.opts.Ready()
	}
	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case e := <-srvErr:
			if e != nil {
				err = fmt.Errorf("local API: %w", e)
			}
			break loop
		case <-d.opts.Reload:
			_, _ = d.Reload(ctx)
		}
	}
	wcancel()
	_ = d.notifier.Stopping()
	d.log.Info("edge-agent stopping")
	if e := d.stop(); err == nil {
		err = e
	}
	return err
}

// summary is the one-line STATUS= text.
func (d *Daemon) summary() string {
	var names []string
	for _, p := range d.gen.pipelines {
		names = append(names, p.name)
	}
	return fmt.Sprintf("%d models, %d sensors, pipelines: %s", len(d.gen.models), len(d.gen.sensors), strings.Join(names, ", "))
}

// stop shuts everything down in reverse order within shutdown_timeout:
// sensors stop, pipelines finish what is queued and in flight, the outbox
// gets a chance to drain, the socket closes, the stores close.
func (d *Daemon) stop() error {
	timeout := d.cfg.Agent.ShutdownTimeout.Duration()
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var errs []error
	d.bgCancel()
	d.bgWG.Wait()
	gen := d.current()
	if gen != nil {
		gen.stop(ctx, d.log)
		gen.close()
	}
	if d.sync != nil {
		d.flush(ctx)
	}
	if d.server != nil {
		if err := d.server.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			errs = append(errs, fmt.Errorf("local API: %w", err))
		}
	}
	if d.history != nil {
		d.history.Close()
	}
	if d.sync != nil {
		if err := d.sync.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sync: %w", err))
		}
	}
	if d.broker != nil {
		if err := d.broker.Close(); err != nil {
			errs = append(errs, fmt.Errorf("embedded broker: %w", err))
		}
	}
	if err := d.closeOTA(); err != nil {
		errs = append(errs, fmt.Errorf("ota: %w", err))
	}
	d.log.Info("edge-agent stopped")
	return errors.Join(errs...)
}

// flush gives a connected uplink until ctx's deadline to deliver the
// predictions still waiting. What it cannot deliver stays in the outbox for
// the next start.
func (d *Daemon) flush(ctx context.Context) {
	up := d.sync.Uplink()
	if up == nil {
		return
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		st := d.sync.Outbox.Stats()
		if st.Classes["predictions"].Records == 0 && st.Classes["alerts"].Records == 0 {
			return
		}
		if !up.Stats().Connected {
			d.log.Info("not connected: undelivered records stay in the outbox", "records", st.Records)
			return
		}
		select {
		case <-ctx.Done():
			d.log.Warn("shutdown timeout: undelivered records stay in the outbox", "records", d.sync.Outbox.Stats().Records)
			return
		case <-t.C:
		}
	}
}

// healthy is the watchdog's check: an error while any pipeline is stalled.
func (d *Daemon) healthy() error {
	limit := d.currentConfig().Agent.StallTimeout.Duration()
	if limit <= 0 {
		return nil
	}
	gen := d.current()
	now := time.Now()
	for _, p := range gen.pipelines {
		if p.p.Stalled(now, limit) {
			return fmt.Errorf("pipeline %s has made no progress for %s", p.name, limit)
		}
	}
	return nil
}

// current returns the running generation (models, sensors, pipelines).
func (d *Daemon) current() *generation {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen
}

func (d *Daemon) currentConfig() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// modelMetas lists the served models for the published status.
func (d *Daemon) modelMetas() []wire.Model {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen == nil {
		return nil
	}
	out := make([]wire.Model, 0, len(d.gen.models))
	for _, name := range d.gen.modelOrder {
		out = append(out, d.gen.models[name].Meta())
	}
	return out
}
