#!/usr/bin/env node
'use strict';
// tflite_bench.js runs one .tflite model under TensorFlow Lite compiled to
// WebAssembly (npm @tensorflow/tfjs-tflite: the TFLite C++ interpreter with
// the XNNPACK delegate, SIMD build by default) in Node and prints one JSON
// line: load time, latency statistics over the timed runs, process RSS.
// Inputs are edge-agent's deterministic pseudo-random data (lib/inputs.js),
// so both sides compute on the same bytes. On any failure it prints a JSON
// line with "error" and exits non-zero.
//
// WebAssembly is compiled by V8 in two tiers: a quick baseline (Liftoff),
// then optimized code (TurboFan) for functions found hot, in the background.
// A few dozen inferences do not reach the optimized code, so by default the
// baseline tier is turned off (--no-liftoff, set before the module is
// compiled) and one throwaway load and inference of the model compiles the
// code the measured load and runs use: load_ms and the latencies are then the
// interpreter's own, not V8's compiler's (init_ms has that).
//
//   node tflite_bench.js MODEL.tflite [--runs 50] [--warmup 3] [--threads 1]
//        [--no-simd] [--no-fix] [--no-probe] [--liftoff] [--no-jit-warmup] [--dump-dir DIR]

const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const { fixQuantizedDimension } = require('./lib/flatbuffer_fix');
const { fillPseudoRandom } = require('./lib/inputs');
const { summarize } = require('./lib/stats');
const runtime = require('./lib/runtime');

const USAGE = `usage: node tflite_bench.js MODEL.tflite [options]
  --runs N        timed inferences (default 50)
  --warmup N      untimed inferences first (default 3; the first is reported as first_ms)
  --threads N     interpreter threads (default 1; above 1 loads the pthreads build)
  --no-simd       the build without WebAssembly SIMD
  --xnnpack off   refused: this runtime applies XNNPACK to every model, with no option to turn it off
  --no-fix        load the file as it is (no quantized_dimension repair, see lib/flatbuffer_fix.js)
  --no-probe      skip the profiled run that counts the nodes XNNPACK took
  --liftoff       keep V8's default tiering (baseline code first, optimized later)
  --no-jit-warmup measure the first load of the model (includes V8 compiling the code it runs)
  --dump-dir DIR  write input_K.bin and output_K.bin (raw little-endian, first inference) there
  --verbose       pass the runtime's log lines to stderr`;

class UsageError extends Error {}

function parseArgs(argv) {
  const opt = { model: null, runs: 50, warmup: 3, threads: 1, simd: true, xnnpack: true, fix: true, probe: true, liftoff: false, jitWarmup: true, dumpDir: null, verbose: false };
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, not ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val = null;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { val = a.slice(eq + 1); a = a.slice(0, eq); }
    const value = () => {
      if (val !== null) return val;
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--runs': opt.runs = int(a, value(), 1); break;
      case '--warmup': opt.warmup = int(a, value(), 0); break;
      case '--threads': opt.threads = int(a, value(), 1); break;
      case '--no-simd': opt.simd = false; break;
      case '--simd': opt.simd = true; break;
      case '--xnnpack': {
        const v = value();
        if (v !== 'on' && v !== 'off') throw new UsageError(`--xnnpack takes on or off, not ${JSON.stringify(v)}`);
        opt.xnnpack = v === 'on';
        break;
      }
      case '--no-xnnpack': opt.xnnpack = false; break;
      case '--no-fix': opt.fix = false; break;
      case '--no-probe': opt.probe = false; break;
      case '--liftoff': opt.liftoff = true; break;
      case '--no-jit-warmup': opt.jitWarmup = false; break;
      case '--dump-dir': opt.dumpDir = value(); break;
      case '--verbose': opt.verbose = true; break;
      case '-h': case '--help': throw new UsageError('');
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
        if (opt.model !== null) throw new UsageError(`one MODEL only (got ${opt.model} and ${a})`);
        opt.model = a;
    }
  }
  if (opt.model === null) throw new UsageError('MODEL is missing');
  return opt;
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function bench(opt, log) {
  const base = { runtime: 'tflite-wasm', model: path.basename(opt.model), threads: opt.threads, simd: opt.simd, xnnpack: opt.xnnpack };
  if (!opt.xnnpack) {
    throw Object.assign(new Error('XNNPACK cannot be turned off in this runtime: @tensorflow/tfjs-tflite applies the XNNPACK delegate to every model and its TFLiteWebModelRunner options are only numThreads, enableProfiling and maxProfilingBufferEntries'), { code: 2 });
  }
  if (!opt.liftoff) v8.setFlagsFromString('--no-liftoff');
  const dir = runtime.packageDir(__dirname);
  const rt = await runtime.loadRuntime({ dir, simd: opt.simd, threads: opt.threads, log });
  const out = { ...base, version: rt.version, build: rt.build, node: process.version, v8_liftoff: opt.liftoff };

  const t0 = process.hrtime.bigint();
  let bytes = new Uint8Array(fs.readFileSync(opt.model));
  let patched = 0;
  if (opt.fix) ({ bytes, patched } = fixQuantizedDimension(bytes));
  const readMs = ms(t0);
  let jitWarmupMs = 0;
  if (opt.jitWarmup) {
    const tw = process.hrtime.bigint();
    // A throwaway interpreter: V8 compiles what loading and running this
    // model executes. Its memory returns to the WebAssembly heap for reuse.
    const w = runtime.createRunner(rt.module, bytes, { threads: opt.threads, profile: false });
    try {
      const ins = runtime.tensors(w.runner, 'GetInputs');
      ins.forEach((t, i) => fillPseudoRandom(t.data(), t.dataType, i + 1));
      if (!w.runner.Infer()) throw new Error('TFLite inference failed (JIT warm-up)');
    } finally {
      w.close();
    }
    jitWarmupMs = ms(tw);
  }
  const t2 = process.hrtime.bigint();
  const { runner } = runtime.createRunner(rt.module, bytes, { threads: opt.threads, profile: false });
  // File to ready interpreter, as edge-agent counts it: reading (and
  // repairing) the file, then creating the interpreter.
  const loadMs = readMs + ms(t2);

  const inputs = runtime.tensors(runner, 'GetInputs');
  inputs.forEach((t, i) => fillPseudoRandom(t.data(), t.dataType, i + 1));

  const invoke = () => {
    if (!runner.Infer()) throw new Error('TFLite inference failed');
  };
  const t1 = process.hrtime.bigint();
  invoke();
  const firstMs = ms(t1);
  // Outputs of the first inference, on a fresh interpreter (stateful models
  // such as LSTMs carry state into later runs), as `edge-agent model run` gives.
  if (opt.dumpDir) dump(opt.dumpDir, inputs, runtime.tensors(runner, 'GetOutputs'));
  for (let i = 1; i < opt.warmup; i++) invoke();
  const lat = new Array(opt.runs);
  for (let i = 0; i < opt.runs; i++) {
    const s = process.hrtime.bigint();
    invoke();
    lat[i] = ms(s);
  }
  const st = summarize(lat);
  const rss = process.memoryUsage().rss;
  const peak = process.resourceUsage().maxRSS * 1024;

  Object.assign(out, {
    runs: opt.runs, warmup: opt.warmup,
    median_ms: st.median, p90_ms: st.p90, p99_ms: st.p99, min_ms: st.min, mean_ms: st.mean, max_ms: st.max,
    first_ms: firstMs, load_ms: loadMs, init_ms: rt.initMs, jit_warmup_ms: jitWarmupMs,
    rss_bytes: rss, peak_rss_bytes: peak,
    inputs: inputs.map((t) => ({ name: t.name, type: t.dataType, shape: t.shape })),
    patched_tensors: patched,
  });
  if (opt.probe) {
    // After the measurement, so that its memory is not in rss_bytes.
    const prof = runtime.createRunner(rt.module, bytes, { threads: opt.threads, profile: true });
    try {
      if (!prof.runner.Infer()) throw new Error('TFLite inference failed (profiled run)');
      const d = runtime.delegation(prof.runner);
      out.xnnpack = d.xnnpackPartitions > 0;
      out.xnnpack_partitions = d.xnnpackPartitions;
      out.cpu_ops = d.cpuOps;
    } finally {
      prof.close();
    }
  }
  return out;
}

function dump(dir, inputs, outputs) {
  fs.mkdirSync(dir, { recursive: true });
  const write = (name, v) => fs.writeFileSync(path.join(dir, name), Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  inputs.forEach((t, i) => write(`input_${i}.bin`, t.data()));
  outputs.forEach((t, i) => write(`output_${i}.bin`, t.data()));
}

// finish prints one JSON line and exits once it is written (the pthreads
// build leaves worker threads running, so the process is ended explicitly).
function finish(obj, code) {
  process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(code));
}

async function main() {
  let opt;
  try {
    opt = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`tflite_bench: ${err.message}\n`);
    process.stderr.write(USAGE + '\n');
    process.exit(2);
  }
  const logs = [];
  const log = (line) => {
    logs.push(String(line));
    if (logs.length > 50) logs.shift();
    if (opt.verbose) process.stderr.write(line + '\n');
  };
  try {
    finish(await bench(opt, log), 0);
  } catch (err) {
    const msg = err && err.message ? err.message : String(err);
    const errors = logs.filter((l) => /ERROR|error|Aborted/.test(l));
    finish({
      runtime: 'tflite-wasm', model: path.basename(opt.model), threads: opt.threads, simd: opt.simd, xnnpack: opt.xnnpack,
      error: msg, log: errors.slice(-10),
    }, err && err.code === 2 ? 2 : 1);
  }
}

if (require.main === module) {
  process.on('unhandledRejection', (err) => {
    process.stdout.write(JSON.stringify({ runtime: 'tflite-wasm', error: `unhandled: ${err && err.message ? err.message : err}` }) + '\n', () => process.exit(1));
  });
  main();
}

module.exports = { parseArgs, UsageError };
