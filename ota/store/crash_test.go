//go:build unix

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/testenv"
)

// The crash test re-executes the test binary as a child process (the Go
// helper-process pattern): TestHelperInstall, run with these variables
// set, opens a store and makes one change, killing itself with SIGKILL at
// the named step.
const (
	envHelperRoot = "STORE_HELPER_ROOT" // the store's root
	envHelperOp   = "STORE_HELPER_OP"   // install (and activate), rollback or prune
	envHelperKill = "STORE_HELPER_KILL" // the step at which the child kills itself; "" for none
)

// stepVerifierPartial is a step of the child itself: killed while the
// verifier writes into the staging folder.
const stepVerifierPartial = "verifier-partial"

// installSteps, rollbackSteps and pruneSteps are the store's crash steps,
// in order, as TestCrashStepsComplete checks.
var (
	installSteps = []string{
		"install-synced", "install-namedir", "install-moved", "install-moved-synced",
		"install-meta-temp", "install-meta-renamed", "install-done",
		"activate-temp", "activate-renamed", "activate-done",
	}
	rollbackSteps   = []string{"rollback-temp", "rollback-renamed", "rollback-done"}
	pruneSteps      = []string{"prune-moved", "prune-removed"}
	deactivateSteps = []string{"deactivate-removed"}
)

// TestHelperInstall is the crash test's child process; run directly it does
// nothing.
func TestHelperInstall(t *testing.T) {
	root := os.Getenv(envHelperRoot)
	if root == "" {
		return
	}
	kill := os.Getenv(envHelperKill)
	die := func(step string) {
		if step == kill {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute) // the signal is on its way
		}
	}
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	s.crashAt = die
	switch op := os.Getenv(envHelperOp); op {
	case "install":
		cur, ok := s.Active(testModel)
		if !ok {
			t.Fatal("no active version")
		}
		next := cur.Version + 1
		dir, _, err := s.StagingDir()
		if err != nil {
			t.Fatal(err)
		}
		b := modelBytes(next)
		if err := os.WriteFile(filepath.Join(dir, "model.tflite"), b[:len(b)/2], 0o640); err != nil {
			t.Fatal(err)
		}
		die(stepVerifierPartial)
		if err := os.WriteFile(filepath.Join(dir, "model.tflite"), b, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dir, "extra"), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "extra", "labels.txt"), labelsBytes(next), 0o640); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Install(testModel, next, dir, Meta{Primary: "model.tflite", Source: "key-1", SHA256: sum(b)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Activate(testModel, next); err != nil {
			t.Fatal(err)
		}
	case "rollback":
		if _, err := s.Rollback(testModel); err != nil {
			t.Fatal(err)
		}
	case "deactivate":
		if _, err := s.Deactivate(testModel); err != nil {
			t.Fatal(err)
		}
	case "prune":
		if err := s.Prune(testModel, 0); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown op %q", op)
	}
	fmt.Println("helper: done")
}

// runHelper runs the child on root and reports whether it was killed by
// SIGKILL (false: it finished).
func runHelper(t *testing.T, root, op, kill string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := testenv.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperInstall$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelperRoot+"="+root, envHelperOp+"="+op, envHelperKill+"="+kill)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("helper %s (kill at %q): %v\n%s", op, kill, err, out.Bytes())
	}
	if !bytes.Contains(out.Bytes(), []byte("helper: done")) {
		t.Fatalf("helper %s did not run:\n%s", op, out.Bytes())
	}
	return false
}

// crashSetup makes a store with versions 1..n installed, active and
// previous as given, and closes it.
func crashSetup(t *testing.T, n, active, previous int64) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "models")
	s := openStore(t, root)
	for v := int64(1); v <= n; v++ {
		install(t, s, v)
	}
	if previous != 0 {
		activate(t, s, previous, 0)
	}
	activate(t, s, active, previous)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return root
}

// checkInvariant opens the store after a child ran and checks that it is
// consistent: the wanted active and previous versions and the wanted set
// of installed versions, each complete with its files and meta agreeing;
// staging empty; nothing but installed versions and state.json in the
// model's folder.
func checkInvariant(t *testing.T, root string, active, previous int64, versions []int64) {
	t.Helper()
	s := openStore(t, root)
	wantActive(t, s, active, previous)
	if got := versionNumbers(s.Versions(testModel)); !slices.Equal(got, versions) {
		t.Fatalf("installed versions %v, want %v", got, versions)
	}
	for _, v := range s.Versions(testModel) {
		checkVersion(t, v)
		if err := s.Verify(testModel, v.Version); err != nil {
			t.Fatal(err)
		}
	}
	if r := s.OpenReport(); len(r.Problems) != 0 {
		t.Fatalf("Open found damage after a crash: %v", r.Problems)
	}
	ents, err := os.ReadDir(filepath.Join(root, stagingName))
	if err != nil || len(ents) != 0 {
		t.Fatalf("staging after Open: %v, %v", ents, err)
	}
	ents, err = os.ReadDir(filepath.Join(root, testModel))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == stateFile {
			continue
		}
		v, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !slices.Contains(versions, v) {
			t.Fatalf("model folder holds %s after Open", e.Name())
		}
	}
	raw, err := os.ReadFile(filepath.Join(root, testModel, stateFile))
	switch {
	case active == 0 && !errors.Is(err, os.ErrNotExist):
		t.Fatalf("state.json with no active version: %s, %v", raw, err)
	case active == 0:
	case err != nil:
		t.Fatal(err)
	default:
		if st, err := parseState(raw); err != nil || st != (state{Active: active, Previous: previous}) {
			t.Fatalf("state.json %s: %+v, %v", raw, st, err)
		}
	}
	// The store still works: one more version goes in and is activated.
	next := versions[len(versions)-1] + 1
	install(t, s, next)
	activate(t, s, next, active)
}

// TestCrashInstallActivate kills a child process installing and
// activating version 3 (2 active, 1 previous) at every step, and checks
// that Open then finds version 2 or 3 active, complete, and nothing half
// done.
func TestCrashInstallActivate(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	steps := append([]string{stepVerifierPartial}, installSteps...)
	steps = append(steps, "") // no crash
	for _, step := range steps {
		name := step
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			root := crashSetup(t, 2, 2, 1)
			if killed := runHelper(t, root, "install", step); killed != (step != "") {
				t.Fatalf("child killed: %v, want %v", killed, step != "")
			}
			i := slices.Index(steps, step)
			// Version 3 is installed once its meta.json was renamed into
			// place, and active once its state.json was.
			installed := i >= slices.Index(steps, "install-meta-renamed") || step == ""
			activated := i >= slices.Index(steps, "activate-renamed") || step == ""
			switch {
			case activated:
				checkInvariant(t, root, 3, 2, []int64{1, 2, 3})
			case installed:
				checkInvariant(t, root, 2, 1, []int64{1, 2, 3})
			default:
				checkInvariant(t, root, 2, 1, []int64{1, 2})
			}
		})
	}
}

// TestCrashRollback kills a child process rolling back from 2 to 1.
func TestCrashRollback(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	for _, step := range append(slices.Clone(rollbackSteps), "") {
		t.Run("at-"+step, func(t *testing.T) {
			root := crashSetup(t, 2, 2, 1)
			if killed := runHelper(t, root, "rollback", step); killed != (step != "") {
				t.Fatalf("child killed: %v, want %v", killed, step != "")
			}
			if step == "rollback-temp" {
				checkInvariant(t, root, 2, 1, []int64{1, 2})
			} else {
				checkInvariant(t, root, 1, 0, []int64{1, 2})
			}
		})
	}
}

// TestCrashDeactivate kills a child process deactivating version 2: after
// the restart either 2 is active with 1 previous, or nothing is.
func TestCrashDeactivate(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	for _, step := range append(slices.Clone(deactivateSteps), "") {
		t.Run("at-"+step, func(t *testing.T) {
			root := crashSetup(t, 2, 2, 1)
			if killed := runHelper(t, root, "deactivate", step); killed != (step != "") {
				t.Fatalf("child killed: %v, want %v", killed, step != "")
			}
			checkInvariant(t, root, 0, 0, []int64{1, 2})
		})
	}
}

// TestCrashPrune kills a child process pruning versions 1 and 2 (4
// active, 3 previous) when it has moved version 1 out.
func TestCrashPrune(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	for _, step := range append(slices.Clone(pruneSteps), "") {
		t.Run("at-"+step, func(t *testing.T) {
			root := crashSetup(t, 4, 4, 3)
			if killed := runHelper(t, root, "prune", step); killed != (step != "") {
				t.Fatalf("child killed: %v, want %v", killed, step != "")
			}
			if step == "" {
				checkInvariant(t, root, 4, 3, []int64{3, 4})
			} else {
				checkInvariant(t, root, 4, 3, []int64{2, 3, 4})
			}
		})
	}
}

// TestCrashStepsComplete records the steps a store passes in one install,
// activate, rollback and prune and checks that the crash tests cover each
// of them, in order.
func TestCrashStepsComplete(t *testing.T) {
	s := openStore(t, t.TempDir())
	install(t, s, 1)
	activate(t, s, 1, 0)
	var got []string
	s.crashAt = func(step string) { got = append(got, step) }
	install(t, s, 2)
	activate(t, s, 2, 1)
	if !slices.Equal(got, installSteps) {
		t.Fatalf("install and activate pass %q, the crash test kills at %q", got, installSteps)
	}
	got = nil
	if _, err := s.Rollback(testModel); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, rollbackSteps) {
		t.Fatalf("rollback passes %q, the crash test kills at %q", got, rollbackSteps)
	}
	install(t, s, 3)
	activate(t, s, 3, 1)
	got = nil
	if err := s.Prune(testModel, 0); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, pruneSteps) {
		t.Fatalf("prune of one version passes %q, the crash test kills at %q", got, pruneSteps)
	}
	got = nil
	if _, err := s.Deactivate(testModel); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, deactivateSteps) {
		t.Fatalf("deactivate passes %q, the crash test kills at %q", got, deactivateSteps)
	}
}
