package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/sync/fleet"
)

// TestDaemonVariantFallback installs a bundle whose variant needs a CPU
// feature: the device serves the variant while its (fixture) CPU has the
// feature, the generic model once the feature disappears, and the variant
// again when it comes back, all at run time. A variant that does not load
// is served by the generic file.
func TestDaemonVariantFallback(t *testing.T) {
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "variant-test"
	root := filepath.Join(dir, "hw")
	cpuinfo := filepath.Join(root, "proc", "cpuinfo")
	if err := os.MkdirAll(filepath.Dir(cpuinfo), 0o755); err != nil {
		t.Fatal(err)
	}
	setFlags := func(flags string) {
		t.Helper()
		info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: Test CPU\nflags\t\t: " + flags + "\n\n"
		if err := os.WriteFile(cpuinfo, []byte(info), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setFlags("fpu sse2 avx2 avx512f avx512_vnni")
	priv, pub, err := ota.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	cfg := testConfig(dir, b.URL, device, "") + "ota: {trusted_keys: [\"" + pub.String() + "\"], reprobe: 50ms, health: {window: 0s}}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startDaemonWith(t, Options{ConfigPath: path, ProbeRoot: root})
	console := &fleet.Console{Broker: b.URL}
	ctx := context.Background()
	cl := client.New(filepath.Join(dir, "agent.sock"))
	defer cl.Close()
	served := func() api.Model {
		t.Helper()
		ms, err := cl.Models(ctx)
		if err != nil || len(ms) != 1 {
			t.Fatalf("models %+v %v", ms, err)
		}
		return ms[0]
	}
	generic, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}
	variant := failingModel(t) // loads and has the demo model's shapes
	hash := func(b []byte) string {
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:])
	}
	signed := func(version int64, variantData []byte) []byte {
		var buf bytes.Buffer
		if _, _, err := ota.Sign(&buf, priv, ota.Manifest{Kind: ota.KindModel, Name: "demo-motion", Version: version,
			Variants: []ota.Variant{{Path: "vnni.tflite", Requires: "cpu.features has avx512_vnni"}}},
			[]ota.FileSource{ota.FileFromBytes("demo-motion.tflite", generic), ota.FileFromBytes("vnni.tflite", variantData)},
			ota.SignOptions{}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	apply := func(bundle []byte) fleet.Reply {
		t.Helper()
		return sendApply(t, console, device, map[string]any{"bundle": bundle}, 30*time.Second)
	}

	r := apply(signed(2, variant))
	var ar ApplyResult
	if !r.OK || json.Unmarshal(r.Result, &ar) != nil || ar.File != "vnni.tflite" || ar.Requires == "" {
		t.Fatalf("v2: %+v %s", r, r.Result)
	}
	if m := served(); m.Version != 2 || m.SHA256 != hash(variant) {
		t.Fatalf("v2 on a CPU with the feature: %+v, want the variant", m)
	}
	setFlags("fpu sse2 avx2")
	waitUntil(t, "the generic file once the feature is gone", func() bool {
		m := served()
		return m.Version == 2 && m.SHA256 == hash(generic) && filepath.Base(m.Source) == "demo-motion.tflite"
	})
	setFlags("fpu sse2 avx2 avx512f avx512_vnni")
	waitUntil(t, "the variant once the feature is back", func() bool {
		m := served()
		return m.Version == 2 && m.SHA256 == hash(variant)
	})

	// v3's variant is picked but does not load: the generic file serves.
	r = apply(signed(3, []byte("TFL3 and nothing a model needs")))
	if !r.OK {
		t.Fatalf("v3: %+v", r)
	}
	if m := served(); m.Version != 3 || m.SHA256 != hash(generic) {
		t.Fatalf("v3 with a broken variant: %+v, want the generic file", m)
	}
	// It stays on the generic file while the broken variant would be
	// picked (no rebuild loop): a later probe changes nothing.
	time.Sleep(200 * time.Millisecond)
	if m := served(); m.Version != 3 || m.SHA256 != hash(generic) {
		t.Fatalf("v3 later: %+v", m)
	}
}
