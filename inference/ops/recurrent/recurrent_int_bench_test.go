package recurrent_test

import (
	"testing"

	"github.com/edge-agent/edge-agent/inference"
	"github.com/edge-agent/edge-agent/inference/internal/gemm"
	"github.com/edge-agent/edge-agent/inference/model"
	"github.com/edge-agent/edge-agent/internal/testenv"
)

// BenchmarkIntegerModels times one Invoke of each integer recurrent model
// on every kernel path this CPU has ("generic" is the reference).
func BenchmarkIntegerModels(b *testing.B) {
	for _, name := range []string{"trained_lstm_int8", "dtln_noise_suppression", "keyword_scrambled"} {
		m, err := model.LoadFile(testenv.Shared(b, "models", name+".tflite"))
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range gemm.Paths() {
			b.Run(name+"/"+string(p), func(b *testing.B) {
				it, err := inference.New(m, inference.Options{Resolver: modelResolver(), Kernels: string(p)})
				if err != nil {
					b.Fatal(err)
				}
				defer it.Close()
				for b.Loop() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
