// Command compare runs edge-agent's interpreter and TensorFlow Lite compiled
// to WebAssembly (npm @tensorflow/tfjs-tflite, XNNPACK delegate, under Node)
// on the same models, in the same run, and prints one table: the median
// latency of each, their ratio, memory and load time.
//
// Each measurement runs in its own process, ours (`edge-agent model bench
// MODEL --json`) then theirs (`node internal/tools/benchcompare/tflite_bench.js
// MODEL`), alternating per model and repeat so that both see the same
// machine state. Both feed the same deterministic pseudo-random inputs.
//
//	go run ./internal/tools/benchcompare/compare [-models a,b] [-runs 50] [-threads 1,2] [-repeat 2] [-json] [-no-node]
//
// `make bench-compare` runs `npm ci --prefix internal/tools/benchcompare` first; the
// command installs the package itself (npm ci) when node_modules lacks it.
package main
