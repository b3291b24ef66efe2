// Package agent wires edge-agent's parts into the running daemon. This file
// holds the sync side: the durable outbox, the MQTT uplink, the fleet command
// dispatcher and the periodic metrics, started and stopped as one.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/hwprobe"
	"github.com/edge-agent/edge-agent/hwprobe/live"
	"github.com/edge-agent/edge-agent/sync/command"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/uplink"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// SyncOptions configure the sync side.
type SyncOptions struct {
	// DataDir holds outbox.db and commands.db (created if missing).
	DataDir string
	// DeviceID names the device on MQTT (wire.ValidID).
	DeviceID string
	Groups   []string
	// Broker is the MQTT broker URL; empty runs without MQTT: records
	// wait in the outbox.
	Broker string
	Prefix string
	// Uplink holds the remaining MQTT options (TLS, credentials, limits);
	// Broker, DeviceID, Groups, Prefix, Status, Hardware and Commands are
	// filled in here.
	Uplink uplink.Options
	// Outbox options (size and age bounds, drop policy).
	Outbox outbox.Options
	// MetricsInterval is how often device metrics are appended (0: 10s;
	// negative: never).
	MetricsInterval time.Duration
	// AgentVersion and Models go into the published status; when
	// ModelsFunc is set it is asked instead of Models (models change on
	// reload).
	AgentVersion string
	Models       []wire.Model
	ModelsFunc   func() []wire.Model
	// CommandTimeouts bound the named commands' handlers (others: the
	// dispatcher's default).
	CommandTimeouts map[string]time.Duration
	// OnRespond, when set, is called with each command response once it
	// was published (or failed to be).
	OnRespond func(wire.Response)
	// Profile is the hardware profile's JSON, published retained on
	// edge/{id}/hardware; nil probes the device here.
	Profile []byte
	Logger  *slog.Logger
}

// Sync is the running sync side.
type Sync struct {
	opts     SyncOptions
	log      *slog.Logger
	Outbox   *outbox.Bolt
	seen     *command.BoltSeen
	Registry *command.Registry
	uplink   *uplink.Uplink
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	profile  []byte
	closeMu  sync.Mutex
	closed   bool
}

// StartSync opens the outbox and the command store under DataDir and, when
// a broker is set, starts the uplink and the command dispatcher. Close stops
// them.
func StartSync(ctx context.Context, o SyncOptions) (*Sync, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if !wire.ValidID(o.DeviceID) {
		return nil, fmt.Errorf("device id %q: must be 1-128 characters without / + # and not \"group\" or \"all\"", o.DeviceID)
	}
	if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	o.Outbox.Logger = o.Logger
	q, err := outbox.Open(filepath.Join(o.DataDir, "outbox.db"), o.Outbox)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	seen, err := command.OpenSeen(filepath.Join(o.DataDir, "commands.db"), 0)
	if err != nil {
		q.Close()
		return nil, fmt.Errorf("command store: %w", err)
	}
	s := &Sync{opts: o, log: o.Logger, Outbox: q, seen: seen, Registry: command.NewRegistry()}
	s.profile = o.Profile
	if s.profile == nil {
		if p, err := hwprobe.Probe(ctx, hwprobe.Options{}); err == nil {
			s.profile, _ = json.Marshal(p)
		}
	}
	s.Registry.Register("ping", command.Ping(time.Now))
	s.Registry.Register("status", command.Status(s.status))
	s.Registry.Register("probe", command.Probe(func(ctx context.Context) (any, error) {
		return hwprobe.Probe(ctx, hwprobe.Options{})
	}))
	s.Registry.Register("buffer.stats", command.BufferStats(q.Stats))

	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if o.Broker != "" {
		u := o.Uplink
		u.Broker, u.DeviceID, u.Groups, u.Prefix, u.Logger = o.Broker, o.DeviceID, o.Groups, o.Prefix, o.Logger
		u.Status = s.status
		u.Hardware = func() ([]byte, error) {
			if s.profile == nil {
				return nil, errors.New("no hardware profile")
			}
			return s.profile, nil
		}
		var up *uplink.Uplink
		d, err := command.NewDispatcher(command.Options{
			Device: o.DeviceID, Registry: s.Registry, Seen: seen, Logger: o.Logger, Timeouts: o.CommandTimeouts,
			Progress: func(p wire.Progress) {
				if err := up.PublishProgress(p); err != nil && !errors.Is(err, uplink.ErrNotConnected) {
					o.Logger.Debug("command progress not sent", "id", p.ID, "err", err)
				}
			},
			Respond: func(r wire.Response) {
				ctx, cancel := context.WithTimeout(runCtx, 10*time.Second)
				defer cancel()
				if err := up.Respond(ctx, r); err != nil {
					o.Logger.Warn("command response not sent", "id", r.ID, "err", err)
				}
				if o.OnRespond != nil {
					o.OnRespond(r)
				}
			},
		})
		if err != nil {
			s.closeStores()
			return nil, err
		}
		u.Commands = d
		if up, err = uplink.New(q, u); err != nil {
			s.closeStores()
			return nil, err
		}
		s.uplink = up
		s.goRun(func() { d.Run(runCtx) })
		s.goRun(func() {
			if err := up.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				o.Logger.Error("uplink stopped", "err", err)
			}
		})
	}
	if o.MetricsInterval >= 0 {
		s.goRun(func() { s.metricsLoop(runCtx) })
	}
	s.goRun(func() { s.expireLoop(runCtx) })
	return s, nil
}

func (s *Sync) goRun(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

func (s *Sync) status() wire.Status {
	st := s.Outbox.Stats()
	models := s.opts.Models
	if s.opts.ModelsFunc != nil {
		models = s.opts.ModelsFunc()
	}
	return wire.Status{State: "online", AgentVersion: s.opts.AgentVersion, Models: models, Groups: s.opts.Groups,
		Buffer: &wire.Buffer{Records: st.Records, Bytes: st.Bytes, Dropped: st.Dropped()}}
}

// AppendPrediction stores a prediction record (without seq: the outbox
// assigns it) and returns its seq.
func (s *Sync) AppendPrediction(ctx context.Context, p wire.Prediction) (uint64, error) {
	b, err := json.Marshal(struct {
		TS        time.Time       `json:"ts"`
		Pipeline  string          `json:"pipeline"`
		Model     wire.Model      `json:"model"`
		LatencyUS int64           `json:"latency_us"`
		Output    json.RawMessage `json:"output,omitempty"`
		Top       []wire.Label    `json:"top,omitempty"`
	}{p.TS, p.Pipeline, p.Model, p.LatencyUS, p.Output, p.Top})
	if err != nil {
		return 0, err
	}
	return s.Outbox.Append(ctx, "predictions", b)
}

// metricsLoop appends the device's live figures and the outbox's own
// counters as a metrics record every interval.
func (s *Sync) metricsLoop(ctx context.Context) {
	every := s.opts.MetricsInterval
	if every == 0 {
		every = 10 * time.Second
	}
	sampler, err := live.NewSampler("")
	if err != nil {
		s.log.Warn("live metrics unavailable", "err", err)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m := map[string]any{}
		if sampler != nil {
			if smp, err := sampler.Sample(ctx); err == nil {
				m["cpu_percent"] = smp.CPUPercent
				m["mem_used_percent"] = smp.MemUsedPercent
				m["process_rss_bytes"] = smp.ProcessRSSBytes
				m["process_cpu_percent"] = smp.ProcessCPUPercent
				m["max_temperature_c"] = smp.MaxTemperatureC
				m["throttled"] = smp.Throttled
			}
		}
		st := s.Outbox.Stats()
		m["outbox_records"], m["outbox_bytes"], m["outbox_dropped"] = st.Records, st.Bytes, st.Dropped()
		if s.uplink != nil {
			us := s.uplink.Stats()
			m["mqtt_connected"], m["mqtt_bytes_sent"] = us.Connected, us.BytesSent
		}
		b, err := json.Marshal(map[string]any{"ts": time.Now().UTC(), "metrics": m})
		if err == nil {
			if _, err := s.Outbox.Append(ctx, "metrics", b); err != nil && ctx.Err() == nil {
				s.log.Warn("metrics record not stored", "err", err)
			}
		}
	}
}

// expireLoop sweeps records past their TTL or the outbox's MaxAge.
func (s *Sync) expireLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.Outbox.Expire(); err != nil {
				s.log.Warn("outbox expiry failed", "err", err)
			} else if n > 0 {
				s.log.Info("outbox records expired", "records", n)
			}
		}
	}
}

// Uplink returns the MQTT uplink, or nil when running without a broker.
func (s *Sync) Uplink() *uplink.Uplink { return s.uplink }

func (s *Sync) closeStores() {
	s.seen.Close()
	s.Outbox.Close()
}

// Close stops the uplink (publishing the retained offline status), the
// dispatcher and the loops, then closes the stores. Records not yet
// delivered stay in the outbox for the next start.
func (s *Sync) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.uplink != nil {
		s.uplink.Close()
	}
	s.cancel()
	s.wg.Wait()
	err := s.seen.Close()
	if e := s.Outbox.Close(); err == nil {
		err = e
	}
	return err
}
