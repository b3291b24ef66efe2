package outbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child process (the usual
// Go helper-process pattern) that appends and removes in a loop until the
// parent kills it with SIGKILL.
const (
	envCrashChild = "OUTBOX_CRASH_CHILD"   // the outbox file the child works on
	envCrashStep  = "OUTBOX_CRASH_KILLAT"  // a compaction step where the child SIGKILLs itself
	envCrashSmall = "OUTBOX_CRASH_COMPACT" // compactMinFile for the child
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envCrashChild); path != "" {
		crashChild(path)
		os.Exit(3) // crashChild never returns
	}
	if path := os.Getenv(envRSSChild); path != "" {
		rssChild(path)
	}
	os.Exit(m.Run())
}

// crashChild appends (4 producers) and drains (Peek, Remove) forever. It
// prints "A seq" after each Append returned, and "R first last" before each
// Remove: the parent knows which seqs were acknowledged and which removals
// may have happened.
func crashChild(path string) {
	if v, err := strconv.ParseInt(os.Getenv(envCrashSmall), 10, 64); err == nil {
		compactMinFile = v
	}
	if step := os.Getenv(envCrashStep); step != "" {
		n := 0
		compactHook = func(s string) {
			if s == step {
				if n++; n == 2 { // the second compaction: the child has worked a while
					_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				}
			}
		}
	}
	b, err := Open(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		// One write(2) per line, straight to the pipe: nothing buffered
		// in this process is lost when it is killed.
		_, _ = os.Stdout.WriteString(fmt.Sprintf(format, args...))
	}
	for p := range 4 {
		go func() {
			for i := 0; ; i++ {
				seq, err := b.Append(context.Background(), "predictions", payload("c", p*1_000_000+i, 1500))
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: append:", err)
					os.Exit(2)
				}
				say("A %d\n", seq)
			}
		}()
	}
	for {
		// Let a backlog build up, then drain it: the file grows, then
		// is mostly free, and is compacted.
		for b.Stats().Classes["predictions"].Records < 200 {
			time.Sleep(time.Millisecond)
		}
		for {
			recs, err := b.Peek("predictions", 0, 1+rand.IntN(60), 0)
			if err != nil {
				fmt.Fprintln(os.Stderr, "child: peek:", err)
				os.Exit(2)
			}
			if len(recs) == 0 {
				break
			}
			first, last := recs[0].Seq, recs[len(recs)-1].Seq
			say("R %d %d\n", first, last)
			if err := b.Remove("predictions", first, last); err != nil {
				fmt.Fprintln(os.Stderr, "child: remove:", err)
				os.Exit(2)
			}
			if b.Stats().Classes["predictions"].Records < 20 {
				break
			}
		}
	}
}

// helperCommand runs the test binary again. Under qemu-user without
// binfmt_misc (make test-qemu), the binary cannot be executed directly: it
// is then run through the same qemu.
func helperCommand(t *testing.T, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func startHelper(t *testing.T, env ...string) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	for _, viaQemu := range []bool{false, true} {
		cmd := helperCommand(t, env...)
		if viaQemu {
			qemu := map[string]string{"arm": "qemu-arm-static", "arm64": "qemu-aarch64-static"}[runtime.GOARCH]
			path, err := exec.LookPath(qemu)
			if qemu == "" || err != nil {
				t.Skipf("cannot run the test binary again (exec format error) and no %s found", qemu)
			}
			cmd = exec.Command(path, append([]string{os.Args[0]}, cmd.Args[1:]...)...)
			cmd.Env = append(os.Environ(), env...)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = &logWriter{t: t, prefix: "child: "}
		err = cmd.Start()
		if errors.Is(err, syscall.ENOEXEC) {
			continue
		}
		if err != nil {
			t.Fatalf("start the helper process: %v", err)
		}
		return cmd, stdout
	}
	t.Fatal("unreachable")
	return nil, nil
}

type logWriter struct {
	t      *testing.T
	prefix string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestBoltCrash SIGKILLs a process that appends and removes, ten times,
// some of them in the middle of a compaction, and checks after each kill:
// no acknowledged Append lost, seqs contiguous and never reused, the file
// consistent (bbolt's check and the outbox's).
func TestBoltCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process 10 times")
	}
	path := filepath.Join(t.TempDir(), "outbox.db")
	acked := map[uint64]bool{}
	var maxRemoved, lastSeq uint64 // the highest seq a Remove was started for
	var compactions uint64
	steps := []string{"", "", "copy", "", "rename", "", "reopen", "", "", ""}
	for run, step := range steps {
		cmd, stdout := startHelper(t, envCrashChild+"="+path, envCrashStep+"="+step, envCrashSmall+"="+strconv.Itoa(256<<10))
		killAfter := 50 + rand.IntN(1000)
		appends, removes := 0, 0
		sc := bufio.NewScanner(stdout)
		killed := false
		timer := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 2 && f[0] == "A":
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				if acked[seq] {
					t.Fatalf("run %d: seq %d acknowledged twice", run, seq)
				}
				if seq <= lastSeq {
					t.Fatalf("run %d: seq %d given after a restart at last seq %d", run, seq, lastSeq)
				}
				acked[seq] = true
				appends++
			case len(f) == 3 && f[0] == "R":
				last, _ := strconv.ParseUint(f[2], 10, 64)
				maxRemoved = max(maxRemoved, last)
				removes++
			default:
				t.Fatalf("run %d: child said %q", run, sc.Text())
			}
			if !killed && ((step == "" && appends >= killAfter) || appends >= 20_000) {
				if step != "" {
					t.Logf("run %d: compaction step %q not reached twice: killed anyway", run, step)
				}
				killed = true
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		timer.Stop()
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: child ended with %v, want killed by SIGKILL", run, err)
		}

		if step == "copy" || step == "rename" {
			if _, err := os.Stat(path + compactSuffix); err != nil {
				t.Errorf("run %d: killed at compaction step %q, but no temporary file: %v", run, step, err)
			}
		}
		b := openBolt(t, path, Options{})
		st := b.Stats()
		compactions = st.Compactions
		p := st.Classes["predictions"]
		recs := peekAll(t, b, "predictions")
		t.Logf("run %d (kill at %q): %d appends, %d removes acknowledged; file: seq %d..%d, %d records, %d compactions, %d bytes",
			run, step, appends, removes, p.FirstSeq, p.LastSeq, p.Records, st.Compactions, st.FileBytes)
		for i, r := range recs {
			if want := p.FirstSeq + uint64(i); r.Seq != want {
				t.Fatalf("run %d: records not contiguous: %d at %d, want %d", run, r.Seq, i, want)
			}
		}
		for seq := range acked {
			switch {
			case seq > p.LastSeq:
				t.Fatalf("run %d: acknowledged seq %d lost: last seq in the file %d", run, seq, p.LastSeq)
			case seq < p.FirstSeq || p.Records == 0:
				if seq > maxRemoved {
					t.Fatalf("run %d: acknowledged seq %d gone, never removed (removals reached %d)", run, seq, maxRemoved)
				}
			}
		}
		if p.DroppedFull+p.DroppedExpired+p.Rejected != 0 || p.Appended != p.LastSeq || p.Delivered+uint64(p.Records) != p.Appended {
			t.Fatalf("run %d: counters %+v", run, p)
		}
		if err := b.Check(); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		lastSeq = p.LastSeq
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(acked) == 0 || maxRemoved == 0 || compactions == 0 {
		t.Fatalf("the children did not do enough: %d appends, removals up to %d, %d compactions", len(acked), maxRemoved, compactions)
	}
}
