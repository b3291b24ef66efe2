package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/agent/demo"
	"github.com/edge-agent/edge-agent/agent/models"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/sync/fleet"
)

// bundle signs a model bundle holding model as NAME.tflite.
func bundle(t *testing.T, priv ota.Private, name string, version int64, model []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, _, err := ota.Sign(&b, priv, ota.Manifest{Kind: ota.KindModel, Name: name, Version: version},
		[]ota.FileSource{ota.FileFromBytes(name+".tflite", model)}, ota.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sendApply sends ota.apply with args until the device answers (a daemon
// just started may not have subscribed yet) and returns its reply.
func sendApply(t *testing.T, console *fleet.Console, device string, args map[string]any, wait time.Duration) fleet.Reply {
	t.Helper()
	raw, _ := json.Marshal(args)
	var res fleet.Result
	waitUntil(t, "a reply to ota.apply", func() bool {
		var err error
		res, err = console.Send(context.Background(), device, "ota.apply", raw, wait)
		return err == nil && len(res.Replies) == 1
	})
	return res.Replies[0]
}

// TestDaemonOTA sends model bundles to a running daemon with the fleet
// console over a real broker: a signed v2 is installed, activated and
// served; v1 (older) and a tampered v3 are refused with their reason
// codes; a signed v4 that does not load is rolled back to v2 by itself
// (and raises no floor, so v3 is accepted next); the pipeline keeps
// publishing; self-tests gate activation; model.rollback goes back; a
// restart serves the installed version from the store.
func TestDaemonOTA(t *testing.T) {
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "ota-test"
	priv, pub, err := ota.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(dir, b.URL, device, "") + "ota: {trusted_keys: [\"" + pub.String() + "\"]}\n"
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stop := startDaemon(t, path)
	console := &fleet.Console{Broker: b.URL}
	ctx := context.Background()
	apply := func(bundle []byte) fleet.Reply {
		t.Helper()
		return sendApply(t, console, device, map[string]any{"bundle": bundle}, 10*time.Second)
	}
	cl := client.New(filepath.Join(dir, "agent.sock"))
	defer cl.Close()
	modelVersion := func() int64 {
		ms, err := cl.Models(ctx)
		if err != nil || len(ms) != 1 {
			t.Fatalf("models %+v %v", ms, err)
		}
		return ms[0].Version
	}
	data, err := demo.BuildModel()
	if err != nil {
		t.Fatal(err)
	}

	r := apply(bundle(t, priv, "demo-motion", 2, data))
	var ar ApplyResult
	if !r.OK || json.Unmarshal(r.Result, &ar) != nil || ar.Version != 2 || ar.Name != "demo-motion" || ar.File != "demo-motion.tflite" {
		t.Fatalf("v2: %+v %s", r, r.Result)
	}
	if v := modelVersion(); v != 2 {
		t.Fatalf("serving version %d after v2", v)
	}

	for _, c := range []struct {
		name, code string
		bundle     []byte
	}{
		{"older", "not_newer", bundle(t, priv, "demo-motion", 1, data)},
		{"same", "not_newer", bundle(t, priv, "demo-motion", 2, data)},
		{"tampered", "hash_mismatch", func() []byte {
			b := bundle(t, priv, "demo-motion", 3, data)
			i := bytes.Index(b, data[200:232])
			b[i] ^= 0xff
			return b
		}()},
		{"untrusted", "untrusted_key", func() []byte {
			other, _, _ := ota.GenerateKey()
			return bundle(t, other, "demo-motion", 3, data)
		}()},
	} {
		r := apply(c.bundle)
		if r.OK || r.Error == nil || r.Error.Code != c.code {
			t.Errorf("%s: %+v, want refused with %s", c.name, r, c.code)
		}
	}
	if v := modelVersion(); v != 2 {
		t.Fatalf("serving version %d after the refusals", v)
	}

	// A validly signed v4 whose model does not load: rolled back to v2.
	r = apply(bundle(t, priv, "demo-motion", 4, []byte("TFL3 but not a flatbuffer at all")))
	if r.OK || r.Error == nil || r.Error.Code != "rolled_back" || !strings.Contains(r.Error.Message, "version 2 is active again") {
		t.Fatalf("broken v4: %+v", r)
	}
	if v := modelVersion(); v != 2 {
		t.Fatalf("serving version %d after the broken v4", v)
	}
	p, _ := cl.Predictions(ctx, ^uint64(0), 1)
	waitUntil(t, "predictions from model version 2", func() bool {
		got, err := cl.Predictions(ctx, p.LastSeq, 3)
		return err == nil && len(got.Records) == 3 && got.Records[2].Model.Version == 2
	})
	// v4 never became active, so it did not raise the floor: v3 is
	// accepted.
	if r := apply(bundle(t, priv, "demo-motion", 3, data)); !r.OK {
		t.Fatalf("v3 after the broken v4: %+v", r)
	}
	if v := modelVersion(); v != 3 {
		t.Fatalf("serving version %d after v3", v)
	}

	// Self-tests: v5 whose expected output is wrong is installed but not
	// activated; v6 whose expected output is the model's own is.
	in := make([]byte, 4*demo.WindowLen*demo.Axes)
	for i := range in {
		in[i] = byte(i * 7)
	}
	in = in[:len(in)/4*4]
	ref, err := models.FromBytes(models.Spec{Name: "ref"}, data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Infer(api.InferRequest{RawInputs: [][]byte{in}})
	ref.Close()
	if err != nil {
		t.Fatal(err)
	}
	selfTested := func(version int64, out []byte) []byte {
		var b bytes.Buffer
		if _, _, err := ota.Sign(&b, priv, ota.Manifest{Kind: ota.KindModel, Name: "demo-motion", Version: version,
			SelfTest: &ota.SelfTest{Inputs: []string{"in.bin"}, Outputs: []string{"out.bin"}}},
			[]ota.FileSource{ota.FileFromBytes("demo-motion.tflite", data), ota.FileFromBytes("in.bin", in), ota.FileFromBytes("out.bin", out)},
			ota.SignOptions{}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	wrong := append([]byte(nil), want.Outputs[0].Raw...)
	wrong[0] ^= 1
	if r := apply(selfTested(5, wrong)); r.OK || r.Error.Code != "self_test_failed" {
		t.Fatalf("v5 with a wrong self-test: %+v", r)
	}
	if v := modelVersion(); v != 3 {
		t.Fatalf("serving version %d after a failed self-test", v)
	}
	if r := apply(selfTested(6, want.Outputs[0].Raw)); !r.OK {
		t.Fatalf("v6 with a passing self-test: %+v", r)
	}
	if v := modelVersion(); v != 6 {
		t.Fatalf("serving version %d after v6", v)
	}
	// model.rollback goes back to v3.
	args, _ := json.Marshal(map[string]any{"name": "demo-motion"})
	res, err := console.Send(ctx, device, "model.rollback", args, 10*time.Second)
	if err != nil || len(res.Replies) != 1 || !res.Replies[0].OK {
		t.Fatalf("model.rollback: %+v %v", res, err)
	}
	if v := modelVersion(); v != 3 {
		t.Fatalf("serving version %d after model.rollback", v)
	}

	// A restart serves the installed v3 from the store.
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, path)
	cl2 := client.New(filepath.Join(dir, "agent.sock"))
	defer cl2.Close()
	ms, err := cl2.Models(ctx)
	if err != nil || len(ms) != 1 || ms[0].Version != 3 || !strings.Contains(ms[0].Source, filepath.Join("models", "demo-motion", "3")) {
		t.Fatalf("after restart: %+v %v", ms, err)
	}
}
