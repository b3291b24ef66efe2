package uplink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
	"github.com/edge-agent/edge-agent/sync/outbox"
)

// The agent, as far as the uplink is concerned: a process that appends to
// a bbolt outbox and drains it. TestAgentKilledMidDrain runs it as a child
// process (this test binary, re-executed) and SIGKILLs it.
const (
	childEnv      = "UPLINK_TEST_CHILD"
	killTotal     = 8000 // predictions, seq 1..killTotal
	killPrefill   = 4000 // appended before the first start
	killEveryM    = 20   // killTotal/killEveryM metrics records
	killInFlight  = 8
	killBatchRecs = 40
)

func killOptions(url string) Options {
	return Options{
		Broker: url, DeviceID: device, InFlight: killInFlight, BatchMaxRecords: killBatchRecs,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond, ConnectTimeout: 5 * time.Second,
	}
}

// produce appends records to class until its last seq reaches total,
// with several producers at once (group commit), as an agent's pipelines
// do.
func produce(ctx context.Context, q outbox.Queue, class string, total uint64, producers int, payload func(i int) string) error {
	var left atomic.Int64
	left.Store(int64(total) - int64(q.Stats().Classes[class].LastSeq))
	var wg sync.WaitGroup
	errs := make(chan error, producers)
	for w := 0; w < producers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; left.Add(-1) >= 0; i++ {
				if _, err := q.Append(ctx, class, []byte(payload(i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func metricsPayload(i int) string { return `{"n":` + strconv.Itoa(i) + `}` }

// runChild is the child: it opens the outbox, appends the records not yet
// appended, and drains, until killed.
func runChild() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	q, err := outbox.Open(os.Getenv(childEnv), outbox.Options{MaxBytes: 1 << 30})
	if err != nil {
		fail(err)
	}
	u, err := New(q, killOptions(os.Getenv("UPLINK_TEST_BROKER")))
	if err != nil {
		fail(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer cancel()
	go func() {
		if err := produce(ctx, q, "predictions", killTotal, 8, predPayload); err != nil {
			fail(err)
		}
	}()
	go func() {
		if err := produce(ctx, q, MetricsClass, killTotal/killEveryM, 1, metricsPayload); err != nil {
			fail(err)
		}
	}()
	u.Run(ctx)
	u.Close()
	q.Close()
	os.Exit(0)
}

// TestAgentKilledMidDrain SIGKILLs the draining process five times,
// restarting it each time on the same outbox file; afterwards every seq
// from 1 to the last has arrived in order, with duplicates only within
// the in-flight window, and the file is consistent.
func TestAgentKilledMidDrain(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		runChild()
		return
	}
	if testing.Short() {
		t.Skip("kills a child process repeatedly (-short)")
	}
	b := mqtttest.Start(t)
	sub := subscribe(t, b.URL, topics.Stream(device, "predictions"), topics.Stream(device, MetricsClass))
	path := filepath.Join(t.TempDir(), "outbox.db")

	// The backlog, appended by 16 producers (group commit).
	q, err := outbox.Open(path, outbox.Options{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if err := produce(context.Background(), q, "predictions", killPrefill, 16, predPayload); err != nil {
		t.Fatal(err)
	}
	if err := produce(context.Background(), q, MetricsClass, killPrefill/killEveryM, 16, metricsPayload); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	start := func() *exec.Cmd {
		// Under qemu-user without binfmt_misc (make test-qemu) the test
		// binary cannot be executed directly: run it through the same qemu.
		for _, viaQemu := range []bool{false, true} {
			argv := []string{os.Args[0], "-test.run=^TestAgentKilledMidDrain$"}
			if viaQemu {
				qemu := map[string]string{"arm": "qemu-arm-static", "arm64": "qemu-aarch64-static"}[runtime.GOARCH]
				qp, err := exec.LookPath(qemu)
				if qemu == "" || err != nil {
					t.Skipf("cannot run the test binary again (exec format error) and no %s found", qemu)
				}
				argv = append([]string{qp}, argv...)
			}
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), childEnv+"="+path, "UPLINK_TEST_BROKER="+b.URL)
			cmd.Stdout, cmd.Stderr = &logs, &logs
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			err := cmd.Start()
			if errors.Is(err, syscall.ENOEXEC) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			return cmd
		}
		t.Fatal("unreachable")
		return nil
	}
	kill := func(cmd *exec.Cmd) {
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child ended by itself (%v): %s", err, logs.String())
		}
	}
	received := func() uint64 { return maxSeq(sub.records("predictions")) }
	for k := 1; k <= 5; k++ {
		cmd := start()
		target := uint64(k * killTotal / 6)
		waitFor(t, fmt.Sprintf("seq %d", target), func() bool { return received() >= target })
		kill(cmd)
		t.Logf("kill %d at seq %d", k, received())
	}
	cmd := start()
	waitFor(t, "every record", func() bool {
		ms := sub.records(MetricsClass)
		return received() >= killTotal && len(ms) > 0 && ms[len(ms)-1].seq >= killTotal/killEveryM
	})
	kill(cmd)

	preds := sub.records("predictions")
	dups := checkAtLeastOnce(t, preds, killTotal, killInFlight*killBatchRecs)
	for _, r := range preds {
		want := fmt.Sprintf(`{"seq":%d,"ts":"2026-01-02T03:04:05Z","pipeline":"p","i":`, r.seq)
		if !bytes.HasPrefix(r.raw, []byte(want)) {
			t.Fatalf("record %s, want %s...", r.raw, want)
		}
	}
	mdups := checkAtLeastOnce(t, sub.records(MetricsClass), killTotal/killEveryM, killInFlight)
	t.Logf("%d predictions received for %d (%d duplicates), %d metrics duplicates", len(preds), killTotal, dups, mdups)

	q, err = outbox.Open(path, outbox.Options{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Check(); err != nil {
		t.Errorf("outbox check: %v", err)
	}
	st := q.Stats()
	if c := st.Classes["predictions"]; c.LastSeq != killTotal || c.Records > killInFlight*killBatchRecs || st.Dropped() != 0 {
		t.Errorf("outbox after the last kill: %+v", st)
	}
}
