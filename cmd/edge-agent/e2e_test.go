package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// built holds the binaries the e2e tests build once per test run.
var built struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinaries builds edge-agent and edgectl once, or skips when the
// tests run under qemu-user for another architecture.
func buildBinaries(t testing.TB) string {
	t.Helper()
	host, err := exec.Command("go", "env", "GOHOSTARCH").Output()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.TrimSpace(string(host)); h != runtime.GOARCH {
		t.Skipf("tests run as %s on a %s host (qemu-user): the built binary cannot be executed", runtime.GOARCH, h)
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "edge-agent-e2e-"); built.err != nil {
			return
		}
		for _, pkg := range []string{".", "../edgectl"} {
			build := exec.Command("go", "build", "-o", built.dir, pkg)
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				built.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
		os.Chmod(built.dir, 0o755)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir
}

// buildBinary returns the built edge-agent.
func buildBinary(t testing.TB) string { return filepath.Join(buildBinaries(t), "edge-agent") }

// buildEdgectl returns the built edgectl.
func buildEdgectl(t testing.TB) string { return filepath.Join(buildBinaries(t), "edgectl") }

// TestAgentKilledMidDrainLosesNothing runs the real edge-agent binary (its
// demo pipeline: predictions into the bbolt outbox, drained to a real
// mosquitto), SIGKILLs it at random moments while it produces and drains,
// restarts it on the same data dir, and repeats; a last run stops producing
// at seq N and exits once everything is delivered. The subscriber must then
// have every seq from 1 to N, first arrivals in order, and duplicates only
// within the uplink's in-flight window.
func TestAgentKilledMidDrainLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the agent binary repeatedly")
	}
	bin := buildBinary(t)
	b := mqtttest.Start(t)
	const device, last = "e2e-device", 3000
	const window = 8 * 256 // uplink defaults: InFlight messages × BatchMaxRecords

	var mu sync.Mutex
	var seqs []uint64
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.URL).SetClientID("e2e-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	topic := wire.Topics{}.Stream(device, "predictions")
	tok := sub.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
		var batch wire.Batch
		if err := json.Unmarshal(m.Payload(), &batch); err != nil {
			t.Errorf("undecodable batch: %v", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range batch.Records {
			var p wire.Prediction
			if err := json.Unmarshal(r, &p); err != nil || p.Pipeline != "demo" || p.Model.Name != "demo-motion" {
				t.Errorf("bad record %s: %v", r, err)
				continue
			}
			seqs = append(seqs, p.Seq)
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	dir := t.TempDir()
	args := []string{"demo", "--fast", "--json", "--data-dir", dir, "--broker", b.URL, "--device-id", device,
		"--until-seq", "3000", "--exit-when-drained"}
	r := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for i := 0; i < 6; i++ {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+r.IntN(600)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			kills++
		}
		cmd.Wait()
	}
	final := exec.Command(bin, args...)
	var stderr strings.Builder
	final.Stderr = &stderr
	done := make(chan error, 1)
	if err := final.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- final.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final run: %v\n%s", err, stderr.String())
		}
	case <-time.After(3 * time.Minute):
		final.Process.Kill()
		t.Fatal("the final run did not drain and exit")
	}
	// Every message the agent removed was acknowledged by the broker; let
	// the broker finish delivering to the subscriber.
	if !mqtttest.WaitFor(t.Context(), 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seqs) > 0 && maxSeq(seqs) >= last
	}) {
		t.Fatalf("subscriber got %d records, highest %d", len(seqs), maxSeq(seqs))
	}

	mu.Lock()
	defer mu.Unlock()
	seen := map[uint64]bool{}
	var high uint64
	dups := 0
	for i, s := range seqs {
		switch {
		case s == high+1:
			high = s
		case s <= high:
			dups++
			if high-s >= window {
				t.Fatalf("record %d: seq %d arrived again %d behind the highest %d: outside the in-flight window", i, s, high-s, high)
			}
		default:
			t.Fatalf("record %d: seq %d after %d: a gap", i, s, high)
		}
		seen[s] = true
	}
	for s := uint64(1); s <= last; s++ {
		if !seen[s] {
			t.Fatalf("seq %d never arrived", s)
		}
	}
	t.Logf("%d kills, %d records received for %d seqs, %d duplicates (all within the window)", kills, len(seqs), last, dups)

	q, err := outbox.Open(filepath.Join(dir, "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Check(); err != nil {
		t.Fatalf("outbox after the kills: %v", err)
	}
	if st := q.Stats().Classes["predictions"]; st.Records != 0 || st.LastSeq < last || st.DroppedFull+st.Rejected+st.DroppedExpired != 0 {
		t.Fatalf("outbox after draining: %+v", st)
	}
}

func maxSeq(s []uint64) uint64 {
	var m uint64
	for _, v := range s {
		m = max(m, v)
	}
	return m
}
