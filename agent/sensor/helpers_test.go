package sensor

import (
	"bufio"
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hang bounds every wait in the tests; it only keeps a broken test from
// hanging, it is not a performance requirement.
const hang = 20 * time.Second

func mustNew(t *testing.T, spec Spec) Sensor {
	t.Helper()
	s, err := New(spec, nil)
	if err != nil {
		t.Fatalf("New(%+v): %v", spec, err)
	}
	return s
}

// collect runs s until it has emitted n samples (then cancels it) or
// until Run returns on its own, and returns the samples and Run's error.
func collect(t *testing.T, s Sensor, n int) ([]Sample, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []Sample
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(smp Sample) {
			if len(got) < n {
				got = append(got, smp)
			}
			if len(got) == n {
				cancel()
			}
		})
	}()
	select {
	case err := <-done:
		return got, err
	case <-time.After(hang):
		t.Fatalf("%s: Run did not return within %v (%d of %d samples)", s.Name(), hang, len(got), n)
		return nil, nil
	}
}

// runAll runs s to its end.
func runAll(t *testing.T, s Sensor) ([]Sample, error) {
	t.Helper()
	return collect(t, s, math.MaxInt)
}

// sink collects samples from a sensor running in the background.
type sink struct {
	mu      sync.Mutex
	samples []Sample
}

func (k *sink) emit(s Sample) {
	k.mu.Lock()
	k.samples = append(k.samples, s)
	k.mu.Unlock()
}

func (k *sink) snapshot() []Sample {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Sample(nil), k.samples...)
}

func (k *sink) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.samples)
}

// background runs s until the test ends; the returned channel receives
// Run's error.
func background(t *testing.T, s Sensor, emit func(Sample)) (<-chan error, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, emit) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(hang):
			t.Errorf("%s: Run did not return after cancel", s.Name())
		}
	})
	return done, cancel
}

// waitFor polls cond until it holds; it fails the test after hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writeFile writes data to name under dir, making folders, and returns
// its path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeTree writes files (path relative to root -> content) under root.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		writeFile(t, root, name, []byte(content))
	}
}

// loadManifest reads a fixture manifest: lines "PATH = VALUE" ('#'
// comments, blank lines ignored). Each file holds VALUE and a newline, as
// sysfs attributes do.
func loadManifest(t testing.TB, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("%s line %d: want PATH = VALUE", path, n)
		}
		files[strings.TrimSpace(name)] = strings.TrimSpace(value) + "\n"
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return files
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// fakeClock returns times one millisecond apart from a fixed start.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

// logRecorder is a slog handler that keeps the messages logged.
type logRecorder struct {
	mu   *sync.Mutex
	msgs *[]string
}

func newLogRecorder() logRecorder { return logRecorder{mu: new(sync.Mutex), msgs: new([]string)} }

func (r logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.msgs = append(*r.msgs, rec.Message)
	return nil
}

func (r logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r logRecorder) WithGroup(string) slog.Handler      { return r }

// count returns how many messages containing s were logged.
func (r logRecorder) count(s string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range *r.msgs {
		if strings.Contains(m, s) {
			n++
		}
	}
	return n
}
