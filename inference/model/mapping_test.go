//go:build linux

package model_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/builder"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// bigModel writes a model with a 4 MiB constant to a file.
func bigModel(t *testing.T) string {
	t.Helper()
	const n = 1 << 20 // float32 weights: 4 MiB
	b := builder.New()
	in := b.Tensor("in", tensor.Float32, []int{1, 1}, nil)
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(i%97) / 7
	}
	wt := b.Const("w", tensor.Float32, []int{n, 1}, nil, w)
	out := b.Tensor("out", tensor.Float32, []int{1, n}, nil)
	b.Op(builder.FullyConnected, []int{in, wt, -1}, []int{out}, builder.FullyConnectedOptions{})
	b.Inputs(in)
	b.Outputs(out)
	data, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big.tflite")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mappingRss returns the resident KiB of the mapping holding p, from
// /proc/self/smaps.
func mappingRss(t *testing.T, p unsafe.Pointer) int {
	t.Helper()
	if testenv.Emulated() {
		t.Skip("under qemu-user /proc/self/smaps describes the emulator's memory")
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	addr := uint64(uintptr(p))
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		l := sc.Text()
		if fields := strings.Fields(l); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			r := strings.SplitN(fields[0], "-", 2)
			lo, err1 := strconv.ParseUint(r[0], 16, 64)
			hi, err2 := strconv.ParseUint(r[1], 16, 64)
			in = err1 == nil && err2 == nil && addr >= lo && addr < hi
			continue
		}
		if in && strings.HasPrefix(l, "Rss:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return kb
		}
	}
	t.Fatal("mapping not found in /proc/self/smaps")
	return 0
}

// TestLoadFileMapsAndDiscards: LoadFile maps the file; touching a large
// constant makes its pages resident, Discard drops them, and the values
// read back the same afterwards (from the file).
func TestLoadFileMapsAndDiscards(t *testing.T) {
	path := bigModel(t)
	m, err := model.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Mapped() {
		t.Fatal("LoadFile did not map the file")
	}
	w := m.Subgraphs[0].Tensors[1].Data
	var sum byte
	for _, v := range w {
		sum += v
	}
	before := mappingRss(t, unsafe.Pointer(&w[0]))
	if before < len(w)/1024 {
		t.Fatalf("after reading the constant the mapping has %d KiB resident, want at least %d", before, len(w)/1024)
	}
	m.Discard(w)
	after := mappingRss(t, unsafe.Pointer(&w[0]))
	if after > before-len(w)/1024+8 {
		t.Fatalf("Discard left %d KiB resident (was %d, the constant is %d KiB)", after, before, len(w)/1024)
	}
	var again byte
	for _, v := range w {
		again += v
	}
	if again != sum {
		t.Fatalf("the constant reads back differently after Discard: sum %d, was %d", again, sum)
	}
	// A slice that is not the model's is ignored.
	m.Discard(make([]byte, 1<<16))
}

// TestModelCloseWaitsForInterpreters: Close unmaps only once the last
// interpreter made from the model is closed; until then it keeps running,
// and a closed model makes no new interpreters.
func TestModelCloseWaitsForInterpreters(t *testing.T) {
	path := bigModel(t)
	m, err := model.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	it, err := inference.New(m, inference.Options{Kernels: "generic"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	it.Input(0).Float32()[0] = 2
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if got := it.Output(0).Float32()[96]; got != 2*float32(96)/7 {
		t.Fatalf("output after Close, with the interpreter still open: %v", got)
	}
	if _, err := inference.New(m); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("New on a closed model: %v", err)
	}
	it.Close()
	it.Close() // a second Close does nothing
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// A model from Load needs no Close and makes interpreters after it.
	data, _ := os.ReadFile(path)
	hm, err := model.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if hm.Mapped() {
		t.Fatal("a model from Load reports a mapping")
	}
	if err := hm.Close(); err != nil {
		t.Fatal(err)
	}
	it2, err := inference.New(hm)
	if err != nil {
		t.Fatal(err)
	}
	it2.Close()
}
