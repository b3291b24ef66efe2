package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// TestOTAKilledDuringInstall SIGKILLs the real agent at random moments of
// an over-the-air install (download, verification into staging, the
// store's install, activation) and restarts it: each time either the old
// or the new version must be active, with its own bytes, staging must be
// empty, and an interrupted version must install when sent again.
func TestOTAKilledDuringInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the agent binary repeatedly")
	}
	bin := buildBinary(t)
	ctl := buildEdgectl(t)
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "ota-kill"
	keys, pub := fleetKeys(t, ctl, dir)
	model := saveDemoModel(t, bin, dir)
	modelBytes, _ := os.ReadFile(model)
	modelSum := sha256.Sum256(modelBytes)
	// A large second file makes verification and installation take long
	// enough for the kills to land inside them.
	big := filepath.Join(dir, "calibration.bin")
	blob := make([]byte, 12<<20)
	rand.Read(blob)
	if err := os.WriteFile(big, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	bundles := map[int][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v int
		fmt.Sscanf(r.URL.Path, "/v%d", &v)
		http.ServeContent(w, r, "bundle", time.Time{}, strings.NewReader(string(bundles[v])))
	}))
	defer srv.Close()
	sign := func(version int) {
		out := filepath.Join(dir, fmt.Sprintf("v%d.bundle", version))
		if o, err := exec.Command(ctl, "ota", "sign", "--key", keys+".key", "--kind", "model", "--name", "demo-motion",
			"--version", fmt.Sprint(version), "--out", out, model, big).CombinedOutput(); err != nil {
			t.Fatalf("sign v%d: %v\n%s", version, err, o)
		}
		bundles[version], _ = os.ReadFile(out)
	}

	responses := make(chan wire.Response, 16)
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.URL).SetClientID("ota-kill-console"))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("console: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe(wire.Topics{}.Response(device), 1, func(_ mqtt.Client, m mqtt.Message) {
		var r wire.Response
		if json.Unmarshal(m.Payload(), &r) == nil {
			responses <- r
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	send := func(version int) string {
		sum := sha256.Sum256(bundles[version])
		id := fmt.Sprintf("apply-%d-%d", version, time.Now().UnixNano())
		args, _ := json.Marshal(map[string]any{"url": fmt.Sprintf("%s/v%d", srv.URL, version), "sha256": hex.EncodeToString(sum[:]), "size": len(bundles[version])})
		cmd, _ := json.Marshal(wire.Command{ID: id, Name: "ota.apply", Args: args})
		if tok := sub.Publish(wire.Topics{}.Command(device), 1, false, cmd); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
		return id
	}

	// apply sends ota.apply of version until a response comes: a command
	// published before a just-started agent subscribed is lost (clean MQTT
	// sessions, see sync/uplink). A resend after an answer that got lost
	// is refused as not_newer, which counts as installed; the caller
	// checks the version served.
	apply := func(version int) wire.Response {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			id := send(version)
			wait := time.After(10 * time.Second)
		recv:
			for {
				select {
				case r := <-responses:
					if r.ID != id {
						continue
					}
					if !r.OK && r.Error != nil && r.Error.Code == "not_newer" {
						r.OK = true
					}
					return r
				case <-wait:
					break recv
				}
			}
		}
		t.Fatalf("no response to ota.apply of v%d", version)
		return wire.Response{}
	}

	cfg := runConfig(t, dir, b.URL, device, "0660", "ota: {trusted_keys: [\""+pub+"\"], health: {window: 0s}}\n")
	sock := filepath.Join(dir, "agent.sock")
	start := func() *agentProc {
		ns := newNotifySocket(t)
		a := startAgent(t, bin, []string{"NOTIFY_SOCKET=" + ns.path}, "--config", cfg)
		waitFor(t, "READY=1", func() bool { return ns.count("READY=1") > 0 })
		return a
	}
	served := func() (int64, string) {
		t.Helper()
		out, err := exec.Command(ctl, "models", "--socket", sock, "--json").Output()
		var ms []struct {
			Version int64  `json:"version"`
			SHA256  string `json:"sha256"`
		}
		if err != nil || json.Unmarshal(out, &ms) != nil || len(ms) != 1 {
			t.Fatalf("edgectl models: %v %s", err, out)
		}
		return ms[0].Version, ms[0].SHA256
	}
	staging := filepath.Join(dir, "data", "models", "staging")

	// The first install runs whole: how long an install takes bounds the
	// kill times.
	a := start()
	sign(2)
	began := time.Now()
	if r := apply(2); !r.OK {
		t.Fatalf("v2: %+v", r)
	}
	span := time.Since(began)
	t.Logf("one install (download, verify, install, activate) took %v", span)
	current := int64(2)
	interrupted := 0
	for v := 3; v <= 10; v++ {
		sign(v)
		send(v)
		time.Sleep(time.Duration(mrand.Int64N(int64(span) + 1)))
		a.cmd.Process.Signal(syscall.SIGKILL)
		a.wait(t)
		a = start()
		got, sum := served()
		if got != current && got != int64(v) {
			t.Fatalf("after a kill during v%d's install: version %d is active, want %d or %d", v, got, current, v)
		}
		if sum != hex.EncodeToString(modelSum[:]) {
			t.Fatalf("after a kill during v%d's install: version %d serves sha256 %s, not the model's", v, got, sum)
		}
		if ents, err := os.ReadDir(staging); err != nil || len(ents) != 0 {
			t.Fatalf("after a kill during v%d's install: staging holds %v (%v)", v, ents, err)
		}
		if got != int64(v) {
			interrupted++
			// Sent again, the interrupted version installs.
			if r := apply(v); !r.OK {
				t.Fatalf("v%d sent again after the kill: %+v", v, r)
			}
			if got, _ := served(); got != int64(v) {
				t.Fatalf("v%d sent again: version %d active", v, got)
			}
		}
		current = int64(v)
	}
	t.Logf("%d of 8 installs interrupted by the kill", interrupted)
	a.cmd.Process.Signal(syscall.SIGTERM)
	if err := a.wait(t); err != nil {
		t.Fatalf("exit: %v", err)
	}
}
