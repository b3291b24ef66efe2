// Package models holds the models the agent serves: each loaded once from a
// .tflite file or a builtin, identified by name, version and sha256, with
// one interpreter that pipelines and the local API share under a lock.
package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// BuiltinPrefix marks a model built by the agent itself instead of read
// from a file: "builtin:demo-motion".
const BuiltinPrefix = "builtin:"

// Spec says where a model comes from and how to run it.
type Spec struct {
	Name    string
	Path    string // a .tflite file, or BuiltinPrefix+NAME
	Version int64
	// Threads kernels may use (<1: one).
	Threads int
	// MaxArena bounds the interpreter's memory in bytes (0: the
	// interpreter's default).
	MaxArena int64
	// Labels name the classes of output 0, or LabelsFile holds them one
	// per line (blank lines and lines starting with # skipped).
	Labels     []string
	LabelsFile string
	// Kernels is the kernel path (inference.Options.Kernels; "": auto,
	// or $EDGE_AGENT_KERNELS).
	Kernels string
	// Immutable says the file is never rewritten in place (a version in
	// the OTA store): it is then mapped instead of read, so the weights a
	// kernel packs leave memory and the rest are shared file pages.
	Immutable bool
	// SnapshotDir, when set, is where a model file that may change in
	// place (a configured path) is copied before it is mapped (snapshot):
	// its packed weights then leave memory too. Without it, or when the
	// copy fails (a full disk), the file is read into memory.
	SnapshotDir string
}

// Model is one loaded model. Its methods are safe for concurrent use.
type Model struct {
	spec   Spec
	meta   wire.Model
	labels []string
	size   int

	mu   sync.Mutex
	it   *inference.Interpreter
	file *model.Model // a mapped model (Spec.Immutable), closed with the interpreter
	// snapshot is the copy of the file that is mapped (Spec.SnapshotDir),
	// and snapErr why none could be made.
	snapshot string
	snapErr  error

	health healthCounters
}

// Builtin returns the bytes of a builtin model by name.
func Builtin(name string) ([]byte, error) {
	switch name {
	case "demo-motion":
		return demo.BuildModel()
	}
	return nil, fmt.Errorf("no builtin model %q (there is: demo-motion)", name)
}

// Load reads, checks and prepares one model.
func Load(s Spec) (*Model, error) {
	var data []byte
	var err error
	if b, ok := strings.CutPrefix(s.Path, BuiltinPrefix); ok {
		data, err = Builtin(b)
	} else if s.Immutable {
		return loadMapped(s, s.Path, "", 0)
	} else if s.SnapshotDir != "" {
		path, sum, size, serr := snapshot(s.Path, s.SnapshotDir)
		if serr == nil {
			m, err := loadMapped(s, path, sum, size)
			if m != nil {
				m.snapshot = path
			}
			return m, err
		}
		if _, statErr := os.Stat(s.Path); statErr != nil {
			return nil, fmt.Errorf("model %s: %w", s.Name, statErr)
		}
		m, err := loadRead(s)
		if m != nil {
			m.snapErr = serr
		}
		return m, err
	} else {
		return loadRead(s)
	}
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", s.Name, err)
	}
	return FromBytes(s, data)
}

// loadRead reads a model file into memory.
func loadRead(s Spec) (*Model, error) {
	data, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", s.Name, err)
	}
	return FromBytes(s, data)
}

// loadMapped maps the immutable model file at path. Its SHA-256 is sum
// (size bytes), or when sum is "" computed by reading the file, which
// leaves the mapping untouched.
func loadMapped(s Spec, path, sum string, size int64) (*Model, error) {
	if sum == "" {
		var err error
		if sum, size, err = hashFile(path); err != nil {
			return nil, fmt.Errorf("model %s: %w", s.Name, err)
		}
	}
	m, err := model.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model %s (%s): %w", s.Name, s.Path, err)
	}
	out, err := fromModel(s, m, int(size), sum)
	if err != nil {
		m.Close()
		return nil, err
	}
	out.file = m
	return out, nil
}

// FromBytes prepares a model from its .tflite bytes.
func FromBytes(s Spec, data []byte) (*Model, error) {
	m, err := model.Load(data)
	if err != nil {
		return nil, fmt.Errorf("model %s (%s): %w", s.Name, s.Path, err)
	}
	sum := sha256.Sum256(data)
	return fromModel(s, m, len(data), hex.EncodeToString(sum[:]))
}

// fromModel makes the interpreter of a loaded model.
func fromModel(s Spec, m *model.Model, size int, sum string) (*Model, error) {
	kernels := s.Kernels
	if kernels == "auto" {
		kernels = ""
	}
	opts := inference.Options{Threads: s.Threads, Kernels: kernels}
	if s.MaxArena > 0 {
		if int64(int(s.MaxArena)) != s.MaxArena {
			return nil, fmt.Errorf("model %s: max_arena %d does not fit this platform", s.Name, s.MaxArena)
		}
		opts.MaxArenaBytes = int(s.MaxArena)
	}
	it, err := inference.New(m, opts)
	if err != nil {
		return nil, fmt.Errorf("model %s (%s): %w", s.Name, s.Path, err)
	}
	labels := s.Labels
	if s.LabelsFile != "" {
		if labels, err = readLabels(s.LabelsFile); err != nil {
			it.Close()
			return nil, fmt.Errorf("model %s: %w", s.Name, err)
		}
	}
	if len(labels) > 0 && len(it.Outputs()) > 0 {
		if n := it.Output(0).NumElements(); len(labels) != n {
			it.Close()
			return nil, fmt.Errorf("model %s: %d labels for an output of %d classes", s.Name, len(labels), n)
		}
	}
	version := s.Version
	if version == 0 {
		version = 1
	}
	return &Model{spec: s, labels: labels, size: size, it: it,
		meta: wire.Model{Name: s.Name, Version: version, SHA256: sum}}, nil
}

func readLabels(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("labels: %s holds no labels", path)
	}
	return out, nil
}

// Meta returns the model's name, version and sha256.
func (m *Model) Meta() wire.Model { return m.meta }

// Labels returns the class names of output 0 (nil when none are set).
func (m *Model) Labels() []string { return m.labels }

// Spec returns what the model was loaded from.
func (m *Model) Spec() Spec { return m.spec }

// Run locks the interpreter and calls fn with it; fn fills the inputs,
// calls Invoke and reads the outputs. Each call counts in Health: its
// time, and as an error when fn fails (unless for ErrBadInput).
func (m *Model) Run(fn func(it *inference.Interpreter) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.it == nil {
		return errors.New("model " + m.meta.Name + " is closed")
	}
	start := time.Now()
	err := fn(m.it)
	m.health.record(time.Since(start), err)
	return err
}

// Close releases the interpreter; a Run in progress finishes first.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.it != nil {
		m.it.Close()
		m.it = nil
	}
	if m.file != nil {
		_ = m.file.Close()
		m.file = nil
	}
}

// Info describes the model for the local API.
func (m *Model) Info() api.Model {
	info := api.Model{Name: m.meta.Name, Version: m.meta.Version, SHA256: m.meta.SHA256, Source: m.spec.Path, Labels: m.labels}
	_ = m.Run(func(it *inference.Interpreter) error {
		info.ArenaBytes = it.ArenaSize()
		for _, t := range it.Inputs() {
			info.Inputs = append(info.Inputs, describe(t))
		}
		for _, t := range it.Outputs() {
			info.Outputs = append(info.Outputs, describe(t))
		}
		return nil
	})
	return info
}

func describe(t *tensor.Tensor) api.Tensor {
	d := api.Tensor{Name: t.Name, Type: strings.ToLower(t.Type.String()), Shape: append([]int(nil), t.Shape...)}
	if t.Quant != nil && t.Quant.PerTensor() {
		d.Scale, d.ZeroPoint = float64(t.Quant.Scale[0]), t.Quant.ZeroPoint[0]
	}
	return d
}
