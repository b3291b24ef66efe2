package opstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/inference/ops"
	"github.com/edge-agent/edge-agent/inference/tensor"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// ReadCSVInts reads a one-line (or multi-line) comma-separated list of integers.
func ReadCSVInts(path string) ([]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fields := strings.FieldsFunc(string(data), func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' })
	out := make([]int64, 0, len(fields))
	for _, f := range fields {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// SetInts stores integer values into an integer tensor of any width.
func SetInts(t *tensor.Tensor, values []int64) error {
	if len(values) != t.NumElements() {
		return fmt.Errorf("tensor %s has %d elements, got %d values", t, t.NumElements(), len(values))
	}
	for i, v := range values {
		switch t.Type {
		case tensor.Int8:
			t.Int8()[i] = int8(v)
		case tensor.Int16:
			t.Int16()[i] = int16(v)
		case tensor.Int32:
			t.Int32()[i] = int32(v)
		case tensor.Int64:
			t.Int64()[i] = v
		default:
			return fmt.Errorf("tensor %s: type %s is not an integer type", t, t.Type)
		}
	}
	return nil
}

// Ints returns an integer tensor's values widened to int64.
func Ints(t *tensor.Tensor) []int64 {
	out := make([]int64, t.NumElements())
	for i := range out {
		switch t.Type {
		case tensor.Int8:
			out[i] = int64(t.Int8()[i])
		case tensor.Int16:
			out[i] = int64(t.Int16()[i])
		case tensor.Int32:
			out[i] = int64(t.Int32()[i])
		case tensor.Int64:
			out[i] = t.Int64()[i]
		}
	}
	return out
}

// SeanetCase is one per-operator model of TFLite Micro's seanet integration tests.
type SeanetCase struct {
	Name   string
	Model  string
	Inputs []string // input CSVs, in model input order
	Golden string
}

// SeanetCases lists the cases in shared/conformance/seanet/folder.
func SeanetCases(t testing.TB, folder string) []SeanetCase {
	t.Helper()
	dir := testenv.Shared(t, "conformance", "seanet", folder)
	models, err := filepath.Glob(filepath.Join(dir, "*.tflite"))
	if err != nil || len(models) == 0 {
		t.Fatalf("no seanet models in %s", dir)
	}
	var cases []SeanetCase
	for _, m := range models {
		name := strings.TrimSuffix(filepath.Base(m), ".tflite")
		c := SeanetCase{Name: name, Model: m}
		for i := 0; ; i++ {
			matches, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("%s_input%d_*.csv", name, i)))
			if len(matches) != 1 {
				break
			}
			c.Inputs = append(c.Inputs, matches[0])
		}
		goldens, _ := filepath.Glob(filepath.Join(dir, name+"_golden_*.csv"))
		if len(goldens) == 1 {
			c.Golden = goldens[0]
		}
		cases = append(cases, c)
	}
	return cases
}

// RunSeanet runs a seanet case with resolver r (nil: the interpreter's
// default) and returns the output and golden values.
func RunSeanet(c SeanetCase, r *ops.Resolver) (got, want []int64, err error) {
	m, err := model.LoadFile(c.Model)
	if err != nil {
		return nil, nil, err
	}
	it, err := inference.New(m, inference.Options{Resolver: r})
	if err != nil {
		return nil, nil, err
	}
	defer it.Close()
	if len(c.Inputs) != len(it.Inputs()) {
		return nil, nil, fmt.Errorf("%d input files for %d model inputs", len(c.Inputs), len(it.Inputs()))
	}
	for i, path := range c.Inputs {
		v, err := ReadCSVInts(path)
		if err != nil {
			return nil, nil, err
		}
		if err := SetInts(it.Input(i), v); err != nil {
			return nil, nil, fmt.Errorf("input %d: %w", i, err)
		}
	}
	if err := it.Invoke(); err != nil {
		return nil, nil, err
	}
	want, err = ReadCSVInts(c.Golden)
	if err != nil {
		return nil, nil, err
	}
	return Ints(it.Output(0)), want, nil
}

// CheckSeanet runs every case of folder that has a golden file and requires
// bit-exact outputs.
func CheckSeanet(t *testing.T, folder string, r *ops.Resolver) {
	t.Helper()
	for _, c := range SeanetCases(t, folder) {
		if c.Golden == "" {
			t.Logf("%s: no golden output, skipped", c.Name)
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			got, want, err := RunSeanet(c, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d outputs, want %d", len(got), len(want))
			}
			Equal(t, "output", got, want)
		})
	}
}
