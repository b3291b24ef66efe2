package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// notifySocket is a fake systemd notification socket.
type notifySocket struct {
	path string
	conn *net.UnixConn
	mu   sync.Mutex
	msgs []string
}

func newNotifySocket(t testing.TB) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	n := &notifySocket{path: path, conn: c}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, string(buf[:k]))
			n.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close() })
	return n
}

// count returns how many datagrams held a line starting with prefix.
func (n *notifySocket) count(prefix string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := 0
	for _, m := range n.msgs {
		for _, l := range strings.Split(m, "\n") {
			if strings.HasPrefix(l, prefix) {
				k++
				break
			}
		}
	}
	return k
}

func (n *notifySocket) all() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.msgs, " | ")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// agentProc is a running edge-agent.
type agentProc struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan error
}

func startAgent(t testing.TB, bin string, env []string, args ...string) *agentProc {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), "agent-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"run"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &agentProc{cmd: cmd, log: logf, done: make(chan error, 1)}
	go func() { a.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-a.done
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("agent log (%s):\n%s", strings.Join(args, " "), b)
		}
	})
	return a
}

// wait returns the exit error once the process ends.
func (a *agentProc) wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-a.done:
		a.done <- err
		return err
	case <-time.After(90 * time.Second):
		t.Fatal("edge-agent did not exit within 90s")
		return nil
	}
}

func (a *agentProc) logText() string {
	b, _ := os.ReadFile(a.log.Name())
	return string(b)
}

// runConfig writes a configuration for an e2e run under dir.
func runConfig(t *testing.T, dir, broker, device, mode, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`device: {id: %s}
data_dir: %s
agent: {shutdown_timeout: 30s, stall_timeout: 30s}
socket: {path: %s, mode: "%s", group: "", admin_group: ""}
mqtt: {broker: %q, metrics_interval: 1s}
models:
  - {name: demo-motion, path: "builtin:demo-motion", labels: [idle, walking, shaking]}
sensors:
  - name: accel
    type: simulated
    rate: 400
    simulated: {signal: motion, seed: 3}
  - name: pushed
    type: socket
    socket: {channels: [x, y, z]}
pipelines:
  - name: motion
    sensor: accel
    model: demo-motion
    preprocess: {window: {size: 32, stride: 8}}
    postprocess: {kind: classification, top_k: 3}
%s`, device, filepath.Join(dir, "data"), filepath.Join(dir, "agent.sock"), mode, broker, extra)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// seqCollector subscribes to a device's predictions over MQTT.
type seqCollector struct {
	mu   sync.Mutex
	seqs []uint64
}

func collectSeqs(t *testing.T, url, device string) *seqCollector {
	t.Helper()
	sc := &seqCollector{}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("sub-" + device))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe(wire.Topics{}.Stream(device, "predictions"), 1, func(_ mqtt.Client, m mqtt.Message) {
		var b wire.Batch
		if err := json.Unmarshal(m.Payload(), &b); err != nil {
			t.Errorf("batch: %v", err)
			return
		}
		sc.mu.Lock()
		defer sc.mu.Unlock()
		for _, r := range b.Records {
			var p wire.Prediction
			if err := json.Unmarshal(r, &p); err != nil {
				t.Errorf("record %s: %v", r, err)
			}
			sc.seqs = append(sc.seqs, p.Seq)
		}
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return sc
}

// checkComplete fails unless every seq 1..last arrived, first arrivals in
// order.
func (sc *seqCollector) checkComplete(t *testing.T, last uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("seq %d over MQTT", last), func() bool {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		return len(sc.seqs) > 0 && maxSeq(sc.seqs) >= last
	})
	sc.mu.Lock()
	defer sc.mu.Unlock()
	var high uint64
	seen := map[uint64]bool{}
	for i, s := range sc.seqs {
		if s > high+1 {
			t.Fatalf("record %d: seq %d after %d: a gap", i, s, high)
		}
		high = max(high, s)
		seen[s] = true
	}
	for s := uint64(1); s <= last; s++ {
		if !seen[s] {
			t.Fatalf("seq %d never arrived", s)
		}
	}
}

func predictionsStats(t *testing.T, dataDir string) outbox.ClassStats {
	t.Helper()
	q, err := outbox.Open(filepath.Join(dataDir, "outbox.db"), outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	return q.Stats().Classes["predictions"]
}

// TestRunE2E runs the real daemon against a real mosquitto with a fake
// systemd notification socket: READY=1 comes once the socket answers;
// predictions reach MQTT and the socket with the same seqs; edgectl shows
// them; SIGHUP with a good config adds a pipeline and with a bad one keeps
// running; SIGTERM exits 0 after delivering every stored prediction.
func TestRunE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the agent binary")
	}
	bin := buildBinary(t)
	ctl := buildEdgectl(t)
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "run-e2e"
	sub := collectSeqs(t, b.URL, device)
	cfg := runConfig(t, dir, b.URL, device, "0660", "")
	ns := newNotifySocket(t)
	a := startAgent(t, bin, []string{"NOTIFY_SOCKET=" + ns.path, "WATCHDOG_USEC=400000"}, "--config", cfg)
	waitFor(t, "READY=1", func() bool { return ns.count("READY=1") > 0 })
	sock := filepath.Join(dir, "agent.sock")
	cl := client.New(sock)
	defer cl.Close()
	ctx := context.Background()
	// Ready means the socket answers now.
	st, err := cl.Status(ctx)
	if err != nil {
		t.Fatalf("status right after READY=1: %v", err)
	}
	if st.Device != device || len(st.Pipelines) != 1 {
		t.Fatalf("status %+v", st)
	}
	waitFor(t, "watchdog pings", func() bool { return ns.count("WATCHDOG=1") >= 2 })

	// edgectl reads the same records the broker got.
	waitFor(t, "20 predictions", func() bool {
		p, err := cl.Predictions(ctx, 0, 20)
		return err == nil && len(p.Records) == 20
	})
	out, err := exec.Command(ctl, "predictions", "--socket", sock, "--json", "--limit", "20").Output()
	if err != nil {
		t.Fatalf("edgectl predictions: %v", err)
	}
	var got api_Predictions
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("edgectl predictions --json: %v\n%s", err, out)
	}
	if len(got.Records) != 20 || got.Records[0].Seq != 1 || got.Records[19].Seq != 20 {
		t.Fatalf("edgectl predictions: %s", out)
	}
	sub.checkComplete(t, 20)
	for _, args := range [][]string{{"status"}, {"models"}, {"buffer"}, {"hw"}} {
		out, err := exec.Command(ctl, append(args, "--socket", sock)...).CombinedOutput()
		if err != nil || len(out) == 0 {
			t.Fatalf("edgectl %s: %v\n%s", args[0], err, out)
		}
	}

	// SIGHUP with a good config adds a pipeline on the socket sensor;
	// samples pushed by an app (curl, here) run through it.
	good := runConfig(t, dir, b.URL, device, "0660", `  - name: pushed
    sensor: pushed
    model: demo-motion
    queue: 64
    preprocess: {window: {size: 32, stride: 32}}
`)
	_ = good
	readyBefore := ns.count("READY=1")
	if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "READY=1 after the reload", func() bool { return ns.count("READY=1") > readyBefore })
	if ns.count("RELOADING=1") != 1 {
		t.Fatalf("notifications: %s", ns.all())
	}
	st, err = cl.Status(ctx)
	if err != nil || len(st.Pipelines) != 2 {
		t.Fatalf("after SIGHUP: %+v %v", st.Pipelines, err)
	}
	var samples []map[string]any
	for i := 0; i < 32; i++ {
		samples = append(samples, map[string]any{"values": []float64{0, 0, 1}})
	}
	body, _ := json.Marshal(map[string]any{"samples": samples})
	push := exec.Command("curl", "-sS", "--unix-socket", sock, "-H", "Content-Type: application/json", "--data-binary", string(body), "http://localhost/v1/sensors/pushed/samples")
	if _, err := exec.LookPath("curl"); err == nil {
		if out, err := push.CombinedOutput(); err != nil || !strings.Contains(string(out), `"accepted":32`) {
			t.Fatalf("push with curl: %v %s", err, out)
		}
		waitFor(t, "a prediction from pushed samples", func() bool {
			st, err := cl.Status(ctx)
			return err == nil && len(st.Pipelines) == 2 && st.Pipelines[1].Published == 1
		})
	}

	// A bad config is refused and the agent keeps running both pipelines.
	if err := os.WriteFile(cfg, []byte("pipelines: [{name: x}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	readyBefore = ns.count("READY=1")
	a.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "READY=1 after the refused reload", func() bool { return ns.count("READY=1") > readyBefore })
	if !strings.Contains(ns.all(), "reload refused") {
		t.Fatalf("notifications: %s", ns.all())
	}
	st, err = cl.Status(ctx)
	if err != nil || len(st.Pipelines) != 2 {
		t.Fatalf("after a bad SIGHUP: %+v %v", st.Pipelines, err)
	}
	before := st.Pipelines[0].Published
	waitFor(t, "predictions after the bad reload", func() bool {
		st, err := cl.Status(ctx)
		return err == nil && st.Pipelines[0].Published > before+5
	})

	// SIGTERM: exit 0, STOPPING=1, every stored prediction delivered.
	a.cmd.Process.Signal(syscall.SIGTERM)
	if err := a.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if ns.count("STOPPING=1") != 1 {
		t.Fatalf("notifications: %s", ns.all())
	}
	ps := predictionsStats(t, filepath.Join(dir, "data"))
	if ps.Records != 0 {
		t.Fatalf("predictions left in the outbox after SIGTERM: %+v", ps)
	}
	sub.checkComplete(t, ps.LastSeq)
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("socket left after exit: %v", err)
	}
}

// api_Predictions mirrors api.Predictions for decoding edgectl's output
// without depending on its exact Go type.
type api_Predictions struct {
	Records []wire.Prediction `json:"records"`
}

// TestRunKilledAndRestartedLosesNothing SIGKILLs the daemon at random
// moments while it produces and delivers, restarts it on the same data
// dir, and finally stops it with SIGTERM: the broker has every seq from 1
// to the last assigned, with no gap.
func TestRunKilledAndRestartedLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the agent binary repeatedly")
	}
	bin := buildBinary(t)
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "run-kill"
	sub := collectSeqs(t, b.URL, device)
	cfg := runConfig(t, dir, b.URL, device, "0660", "")
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 4; i++ {
		ns := newNotifySocket(t)
		a := startAgent(t, bin, []string{"NOTIFY_SOCKET=" + ns.path}, "--config", cfg)
		waitFor(t, "READY=1", func() bool { return ns.count("READY=1") > 0 })
		time.Sleep(time.Duration(200+r.IntN(800)) * time.Millisecond)
		a.cmd.Process.Signal(syscall.SIGKILL)
		a.wait(t)
	}
	ns := newNotifySocket(t)
	a := startAgent(t, bin, []string{"NOTIFY_SOCKET=" + ns.path}, "--config", cfg)
	waitFor(t, "READY=1", func() bool { return ns.count("READY=1") > 0 })
	time.Sleep(500 * time.Millisecond)
	a.cmd.Process.Signal(syscall.SIGTERM)
	if err := a.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	ps := predictionsStats(t, filepath.Join(dir, "data"))
	if ps.Records != 0 || ps.LastSeq < 10 || ps.DroppedFull+ps.Rejected+ps.DroppedExpired != 0 {
		t.Fatalf("outbox: %+v", ps)
	}
	sub.checkComplete(t, ps.LastSeq)
	t.Logf("4 kills; %d predictions, all delivered", ps.LastSeq)
}

// TestRunSocketRefusesOthers: with socket mode 0660, a user outside the
// socket's group cannot even connect; with 0666, SO_PEERCRED decides and
// the unprivileged user is refused with 403; garbage on the socket leaves
// the agent serving.
func TestRunSocketRefusesOthers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the agent binary")
	}
	bin := buildBinary(t)
	ctl := buildEdgectl(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to run edgectl as another user (nobody)")
	}
	for _, mode := range []string{"0660", "0666"} {
		t.Run(mode, func(t *testing.T) {
			dir, err := os.MkdirTemp("", "edge-run-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			os.Chmod(dir, 0o755)
			os.Chmod(ctl, 0o755)
			os.Chmod(filepath.Dir(ctl), 0o755)
			cfg := runConfig(t, dir, "", "refuse-"+mode, mode, "")
			ns := newNotifySocket(t)
			a := startAgent(t, bin, []string{"NOTIFY_SOCKET=" + ns.path}, "--config", cfg)
			waitFor(t, "READY=1", func() bool { return ns.count("READY=1") > 0 })
			sock := filepath.Join(dir, "agent.sock")
			fi, err := os.Stat(sock)
			if err != nil || fmt.Sprintf("%04o", fi.Mode().Perm()) != mode {
				t.Fatalf("socket mode: %v %v", fi, err)
			}
			os.Chmod(filepath.Dir(sock), 0o755)

			cmd := exec.Command(ctl, "status", "--socket", sock)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("nobody got the status: %s", out)
			}
			want := "permission denied"
			if mode == "0666" {
				want = "forbidden"
			}
			if !strings.Contains(strings.ToLower(string(out)), want) {
				t.Fatalf("nobody: %q, want it to say %q", out, want)
			}
			if mode == "0666" && !strings.Contains(a.logText(), "uid=65534") {
				t.Errorf("the refusal is not logged with the peer's uid:\n%s", a.logText())
			}

			// Garbage, a half request and a bad request: the agent serves on.
			for _, junk := range []string{"\x00\xff\x13garbage\r\n\r\n", "GET /v1/status HTTP/1.1\r\nHost: edge-agent\r\n", "POST /v1/models/x/infer HTTP/1.1\r\nHost: edge-agent\r\nContent-Length: 5\r\n\r\n{{{{{"} {
				c, err := net.Dial("unix", sock)
				if err != nil {
					t.Fatal(err)
				}
				c.Write([]byte(junk))
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				bufio.NewReader(c).ReadString('\n')
				c.Close()
			}
			cl := client.New(sock)
			defer cl.Close()
			if _, err := cl.Status(context.Background()); err != nil {
				t.Fatalf("after garbage: %v", err)
			}
			a.cmd.Process.Signal(syscall.SIGTERM)
			if err := a.wait(t); err != nil {
				t.Fatalf("exit: %v", err)
			}
		})
	}
}

// TestRunOTAE2E: a running agent takes a v2 model bundle sent with
// `edgectl fleet ota` (made with `edgectl ota keygen` and `ota sign`),
// then refuses v1 and a tampered v3 and keeps serving v2; a v4 served over
// HTTP by edgectl (--serve) is fetched and installed.
func TestRunOTAE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the agent binary")
	}
	bin := buildBinary(t)
	ctl := buildEdgectl(t)
	b := mqtttest.Start(t)
	dir := t.TempDir()
	const device = "ota-e2e"
	run := func(args ...string) (string, error) {
		out, err := exec.Command(ctl, args...).CombinedOutput()
		return string(out), err
	}
	keys, pub := fleetKeys(t, ctl, dir)
	model := saveDemoModel(t, bin, dir)
	sign := func(version int) string {
		out := filepath.Join(dir, fmt.Sprintf("v%d.bundle", version))
		if o, err := run("ota", "sign", "--key", keys+".key", "--kind", "model", "--name", "demo-motion",
			"--version", fmt.Sprint(version), "--out", out, model); err != nil {
			t.Fatalf("sign v%d: %v\n%s", version, err, o)
		}
		return out
	}
	cfg := runConfig(t, dir, b.URL, device, "0660", "ota: {trusted_keys: [\""+pub+"\"]}\n")
	ns := newNotifySocket(t)
	a := startAgent(t, bin, []string{"NOTIFY_SOCKET=" + ns.path}, "--config", cfg)
	waitFor(t, "READY=1", func() bool { return ns.count("READY=1") > 0 })
	sock := filepath.Join(dir, "agent.sock")
	version := func() int64 {
		t.Helper()
		out, err := exec.Command(ctl, "models", "--socket", sock, "--json").Output()
		var ms []struct {
			Version int64 `json:"version"`
		}
		if err != nil || json.Unmarshal(out, &ms) != nil || len(ms) != 1 {
			t.Fatalf("edgectl models: %v %s", err, out)
		}
		return ms[0].Version
	}
	fleetOTA := func(bundle string, extra ...string) (string, error) {
		return run(append([]string{"fleet", "ota", device, bundle, "--broker", b.URL, "--wait", "30s"}, extra...)...)
	}
	waitStatus(t, b.URL, device, func(st wire.Status) bool { return st.State == "online" })
	if out, err := fleetOTA(sign(2)); err != nil {
		t.Fatalf("fleet ota v2: %v\n%s", err, out)
	}
	if v := version(); v != 2 {
		t.Fatalf("serving v%d after v2", v)
	}
	v1 := sign(1)
	v3 := sign(3)
	raw, _ := os.ReadFile(v3)
	m, _ := os.ReadFile(model)
	i := bytes.Index(raw, m[300:340])
	raw[i] ^= 0x5a
	os.WriteFile(v3, raw, 0o644)
	for bundle, code := range map[string]string{v1: "not_newer", v3: "hash_mismatch"} {
		out, err := fleetOTA(bundle)
		if err == nil || !strings.Contains(out, code) {
			t.Fatalf("fleet ota %s: %v, want a refusal with %s:\n%s", filepath.Base(bundle), err, code, out)
		}
	}
	if v := version(); v != 2 {
		t.Fatalf("serving v%d after the refusals", v)
	}
	if out, err := fleetOTA(sign(4), "--serve", "127.0.0.1:0"); err != nil || !strings.Contains(out, "serving") ||
		!strings.Contains(out, device+": download") || !strings.Contains(out, device+": activate") {
		t.Fatalf("fleet ota v4 --serve: %v\n%s", err, out)
	}
	if v := version(); v != 4 {
		t.Fatalf("serving v%d after v4", v)
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	if err := a.wait(t); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

// waitStatus waits until the device's retained MQTT status satisfies ok.
// The uplink subscribes to its command topics before it publishes the
// status, so an "online" status means commands reach the device (a command
// published before that is lost: sessions are clean).
func waitStatus(t *testing.T, url, device string, ok func(wire.Status) bool) {
	t.Helper()
	got := make(chan wire.Status, 16)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("status-%s-%d", device, time.Now().UnixNano())))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("status subscriber: %v", tok.Error())
	}
	defer c.Disconnect(0)
	if tok := c.Subscribe(wire.Topics{}.Status(device), 1, func(_ mqtt.Client, m mqtt.Message) {
		var st wire.Status
		if json.Unmarshal(m.Payload(), &st) == nil {
			select {
			case got <- st:
			default:
			}
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe status: %v", tok.Error())
	}
	deadline := time.After(60 * time.Second)
	for {
		select {
		case st := <-got:
			if ok(st) {
				return
			}
		case <-deadline:
			t.Fatalf("device %s: no matching status within 60s", device)
		}
	}
}

// fleetKeys makes a fleet key pair under dir with `edgectl ota keygen` and
// returns the key files' prefix and the public key line.
func fleetKeys(t *testing.T, ctl, dir string) (prefix, pub string) {
	t.Helper()
	prefix = filepath.Join(dir, "fleet")
	if out, err := exec.Command(ctl, "ota", "keygen", "--out", prefix).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	b, err := os.ReadFile(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return prefix, strings.TrimSpace(string(b))
}

// saveDemoModel writes the project's demo model, as the agent builds it,
// to dir/demo-motion.tflite.
func saveDemoModel(t *testing.T, bin, dir string) string {
	t.Helper()
	model := filepath.Join(dir, "demo-motion.tflite")
	if out, err := exec.Command(bin, "demo", "--no-sync", "--fast", "--duration", "1ms", "--save-model", model).CombinedOutput(); err != nil {
		t.Fatalf("save the demo model: %v\n%s", err, out)
	}
	return model
}
