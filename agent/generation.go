package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/agent/pipeline"
	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// generation is one configuration's models, sensors and pipelines. A
// reload builds a new generation beside the running one and swaps them
// only when the new one built; so a bad reload changes nothing.
type generation struct {
	cfg        *config.Config
	models     map[string]*models.Model
	modelOrder []string
	// fellBack names, per model, the variant file that did not load and
	// was replaced by the version's generic file.
	fellBack  map[string]string
	sensors   []*sensorRun
	pipelines []*pipeRun
	push      map[string]*sensor.Push

	sensorCancel context.CancelFunc
	pipeCancel   context.CancelFunc
	pipeWG       sync.WaitGroup
}

type sensorRun struct {
	name, typ string
	s         sensor.Sensor
	sup       *sensor.Supervisor
	pipes     []*pipeline.Pipeline
}

type pipeRun struct {
	name, sensor, model string
	p                   *pipeline.Pipeline
}

// snapshotDir is where configured model files are copied to be mapped
// (models.Spec.SnapshotDir).
func (d *Daemon) snapshotDir(cfg *config.Config) string {
	return filepath.Join(cfg.DataDir, "snapshots")
}

// build loads cfg's models and builds its sensors and pipelines, without
// starting them.
func (d *Daemon) build(ctx context.Context, cfg *config.Config) (*generation, error) {
	g := &generation{cfg: cfg, models: map[string]*models.Model{}, push: map[string]*sensor.Push{}, fellBack: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			g.close()
		}
	}()
	specs := make([]models.Spec, 0, len(cfg.Models))
	configured := map[string]bool{}
	for _, mc := range cfg.Models {
		configured[mc.Name] = true
		specs = append(specs, models.Spec{
			Name: mc.Name, Path: mc.Path, Version: mc.Version, Threads: mc.Threads.Count(d.usable), Kernels: mc.Kernels,
			MaxArena: mc.MaxArena.Int64(), Labels: mc.Labels, LabelsFile: mc.LabelsFile,
			SnapshotDir: d.snapshotDir(cfg),
		})
	}
	if d.store != nil {
		// Models installed over the air and not configured are served
		// too, with one thread and no labels.
		for _, name := range d.store.Names() {
			if _, ok := d.store.Active(name); ok && !configured[name] {
				specs = append(specs, models.Spec{Name: name, Threads: 1})
			}
		}
	}
	for _, spec := range specs {
		fromStore, generic := false, ""
		if d.store != nil {
			if v, ok := d.store.Active(spec.Name); ok {
				spec.Version, fromStore, spec.Immutable = v.Version, true, true
				spec.Path, generic = d.pickInstalled(v)
			}
		}
		m, err := models.Load(spec)
		if err != nil && generic != "" && generic != spec.Path {
			d.log.Error("model variant does not load: serving the generic file", "model", spec.Name, "variant", filepath.Base(spec.Path), "err", err)
			g.fellBack[spec.Name] = spec.Path
			spec.Path = generic
			m, err = models.Load(spec)
		}
		if err != nil {
			return nil, &loadError{name: spec.Name, fromStore: fromStore, err: err}
		}
		g.models[spec.Name] = m
		g.modelOrder = append(g.modelOrder, spec.Name)
		d.log.Info("model loaded", "model", spec.Name, "version", m.Meta().Version, "sha256", m.Meta().SHA256, "source", spec.Path)
		if err := m.SnapshotError(); err != nil {
			d.log.Warn("model read into memory: no snapshot to map", "model", spec.Name, "err", err)
		}
	}
	loaded := make([]*models.Model, 0, len(g.models))
	for _, m := range g.models {
		loaded = append(loaded, m)
	}
	if err := models.PruneSnapshots(d.snapshotDir(cfg), loaded); err != nil {
		d.log.Warn("pruning model snapshots", "err", err)
	}
	byName := map[string]*sensorRun{}
	for _, sc := range cfg.Sensors {
		s, err := sensor.New(d.sensorSpec(cfg, sc), d.log)
		if err != nil {
			return nil, err
		}
		r := &sensorRun{name: sc.Name, typ: sc.Type, s: s}
		if p, isPush := s.(*sensor.Push); isPush {
			g.push[sc.Name] = p
		}
		byName[sc.Name] = r
		g.sensors = append(g.sensors, r)
	}
	for _, pc := range cfg.Pipelines {
		sr := byName[pc.Sensor]
		m := g.models[pc.Model]
		if sr == nil || m == nil {
			return nil, fmt.Errorf("pipeline %s: sensor %q or model %q missing", pc.Name, pc.Sensor, pc.Model)
		}
		name := pc.Name
		o := pipeline.Options{
			Name: pc.Name, Sensor: pc.Sensor, Channels: sr.s.Channels(), Model: m,
			Interval: pc.Interval.Duration(), Queue: pc.Queue,
			Select:    pc.Preprocess.Channels,
			Normalize: pipeline.Normalize{Mean: pc.Preprocess.Normalize.Mean, Std: pc.Preprocess.Normalize.Std},
			Quality:   pipeline.Quality{Min: pc.Quality.Min, Max: pc.Quality.Max, StuckSamples: pc.Quality.StuckSamples},
			Post:      pipeline.Post{Kind: pc.Postprocess.Kind, Output: pc.Postprocess.Output, TopK: pc.Postprocess.TopK, Threshold: pc.Postprocess.Threshold},
			Publish:   pc.Publish,
			Sink:      d.sinkFor(pc.LogPredictions),
			OnInference: func(dur time.Duration) {
				if d.metrics != nil {
					d.metrics.ObserveInference(name, dur)
				}
			},
			Logger: d.log,
		}
		if w := pc.Preprocess.Window; w != nil {
			o.Window = pipeline.Window{Size: w.Size, Stride: w.Stride}
		}
		if im := pc.Preprocess.Image; im != nil {
			o.Image = pipeline.Image{Width: im.Width, Height: im.Height, Color: im.Color, Layout: im.Layout, Resize: im.Resize, Encoding: im.Encoding}
		}
		p, err := pipeline.New(o)
		if err != nil {
			return nil, err
		}
		sr.pipes = append(sr.pipes, p)
		g.pipelines = append(g.pipelines, &pipeRun{name: pc.Name, sensor: pc.Sensor, model: pc.Model, p: p})
	}
	ok = true
	return g, nil
}

// sensorSpec maps a configured sensor to the sensor package's Spec.
func (d *Daemon) sensorSpec(cfg *config.Config, sc config.SensorConfig) sensor.Spec {
	s := sensor.Spec{Name: sc.Name, Type: sc.Type, Rate: sc.Rate, Fast: d.opts.FastSensors}
	if c := sc.Simulated; c != nil {
		s.Simulated = sensor.SimulatedOptions{Signal: c.Signal, Seed: c.Seed, Channels: c.Channels, Amplitude: c.Amplitude,
			Frequency: c.Frequency, Noise: c.Noise}
		for _, a := range c.Anomalies {
			s.Simulated.Anomalies = append(s.Simulated.Anomalies, sensor.Anomaly{Kind: a.Kind, Every: a.Every.Duration(), Duration: a.Duration.Duration(), Value: a.Value})
		}
	}
	if c := sc.File; c != nil {
		s.File = sensor.FileOptions{Path: c.Path, Format: c.Format, Loop: c.Loop, Columns: c.Columns, TensorBytes: int(c.TensorBytes.Int64())}
	}
	if c := sc.IIO; c != nil {
		s.IIO = sensor.IIOOptions{Device: c.Device, Channels: c.Channels, Root: c.Root}
	}
	if c := sc.Socket; c != nil {
		group := c.Group
		if group == "" {
			group = cfg.Socket.AdminGroup
		}
		s.Socket = sensor.PushOptions{Channels: c.Channels, Group: group}
	}
	if c := sc.MQTT; c != nil {
		broker := c.Broker
		if broker == "" {
			broker = cfg.MQTT.Broker
			if broker == "embedded" && d.broker != nil {
				broker = d.broker.URL()
			}
		}
		s.MQTT = sensor.MQTTOptions{Broker: broker, Topic: c.Topic, QoS: byte(c.QoS), Channels: c.Channels}
	}
	return s
}

// start runs the pipelines, then the sensors feeding them.
func (g *generation) start(d *Daemon) {
	pctx, pcancel := context.WithCancel(context.Background())
	sctx, scancel := context.WithCancel(context.Background())
	g.pipeCancel, g.sensorCancel = pcancel, scancel
	for _, pr := range g.pipelines {
		g.pipeWG.Add(1)
		go func() {
			defer g.pipeWG.Done()
			if err := pr.p.Run(pctx); err != nil {
				d.log.Error("pipeline stopped", "pipeline", pr.name, "err", err)
			}
		}()
	}
	for _, sr := range g.sensors {
		pipes := sr.pipes
		sr.sup = sensor.Supervise(sctx, sr.s, sr.typ, func(s sensor.Sample) {
			for _, p := range pipes {
				p.Offer(s)
			}
		}, d.log)
	}
}

// stop ends the sensors, lets the pipelines finish the inference in
// flight and what is queued, and returns when they are done or ctx ends.
func (g *generation) stop(ctx context.Context, log *slog.Logger) {
	if g.sensorCancel == nil {
		return // never started
	}
	g.sensorCancel()
	for _, sr := range g.sensors {
		select {
		case <-sr.sup.Done():
		case <-ctx.Done():
			log.Warn("sensor did not stop in time", "sensor", sr.name)
		}
	}
	g.pipeCancel()
	done := make(chan struct{})
	go func() {
		g.pipeWG.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		log.Warn("pipelines did not stop in time")
		return
	}
	for _, pr := range g.pipelines {
		if err := pr.p.Drain(ctx); err != nil {
			log.Warn("pipeline queue not drained", "pipeline", pr.name, "err", err, "queued", pr.p.Stats().Queued)
		}
	}
}

// close releases the models.
func (g *generation) close() {
	for _, m := range g.models {
		m.Close()
	}
}

// sinkFor returns a pipeline's sink: it stores a prediction in the outbox
// and, with its seq, in the history that the local API serves (one at a
// time, so the history sees seqs in order), and logs it when asked to.
func (d *Daemon) sinkFor(logIt bool) pipeline.Sink {
	return func(ctx context.Context, p wire.Prediction) (uint64, error) {
		d.sinkMu.Lock()
		defer d.sinkMu.Unlock()
		seq, err := d.sync.AppendPrediction(ctx, p)
		if err != nil {
			return 0, err
		}
		p.Seq = seq
		d.history.Add(p)
		if logIt {
			top := make([]string, 0, len(p.Top))
			for _, l := range p.Top {
				top = append(top, fmt.Sprintf("%s %.3f", l.Label, l.Score))
			}
			d.log.Info("prediction", "seq", seq, "pipeline", p.Pipeline, "top", strings.Join(top, ", "),
				"output", string(p.Output), "latency_us", p.LatencyUS)
		}
		return seq, nil
	}
}

// loadError is a model that did not load, and whether it came from the
// store (an installed version) or the configuration.
type loadError struct {
	name      string
	fromStore bool
	err       error
}

func (e *loadError) Error() string { return e.err.Error() }
func (e *loadError) Unwrap() error { return e.err }

// rollbackBroken rolls a model whose installed version did not load back
// to its previous version, and reports whether it did.
func (d *Daemon) rollbackBroken(err error) (string, bool) {
	var le *loadError
	if !errors.As(err, &le) || !le.fromStore || d.store == nil {
		return "", false
	}
	if _, rerr := d.store.Rollback(le.name); rerr != nil {
		d.log.Error("installed model version does not load and cannot be rolled back", "model", le.name, "err", rerr)
		return "", false
	}
	return le.name, true
}
