'use strict';
// Loads the TensorFlow Lite WebAssembly runtime that npm
// @tensorflow/tfjs-tflite ships (wasm/tflite_web_api_cc*.{js,wasm}: the
// TFLite C++ interpreter with the XNNPACK delegate, built with Emscripten)
// directly under Node, without the package's browser loader:
//   - the Emscripten glue is a CommonJS-compatible factory, so it is
//     required from node_modules and handed the .wasm bytes (wasmBinary),
//     because Node's fetch cannot read a relative file name;
//   - the threaded builds start their pthreads with the browser's `Worker`
//     class and a worker script that uses self/importScripts/postMessage;
//     Node has none of these, so `Worker` is provided on top of
//     worker_threads, with a small bootstrap that supplies them inside each
//     thread.
// The runtime's own object, TFLiteWebModelRunner, is the C++ class that the
// package's loadTFLiteModel() wraps; using it directly keeps tfjs tensor
// conversions out of the measured time.

const fs = require('fs');
const path = require('path');
const PACKAGE = '@tensorflow/tfjs-tflite';

/**
 * Returns the folder holding the package (node_modules/@tensorflow/tfjs-tflite).
 * @param {string} baseDir folder whose node_modules to search
 */
function packageDir(baseDir) {
  const pj = require.resolve(`${PACKAGE}/package.json`, { paths: [baseDir] });
  return path.dirname(pj);
}

/**
 * Names the Emscripten build for the options: the SIMD build or not, the
 * threaded (pthreads) build when more than one thread is asked for.
 * @param {{simd: boolean, threads: number}} opt
 */
function buildName(opt) {
  return 'tflite_web_api_cc' + (opt.simd ? '_simd' : '') + (opt.threads > 1 ? '_threaded' : '');
}

// The code each pthread worker starts with: browser worker globals on top of
// worker_threads, then the package's own worker script.
function workerBootstrap(glueFile, workerFile) {
  return `'use strict';
const { parentPort } = require('worker_threads');
const fs = require('fs');
const vm = require('vm');
globalThis.self = globalThis;
globalThis.location = { href: ${JSON.stringify('file://' + glueFile)}, origin: 'file://' };
globalThis.importScripts = (f) => {
  const file = String(f).replace(/^file:\\/\\//, '');
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
};
globalThis.postMessage = (msg, transfer) => parentPort.postMessage(msg, transfer);
parentPort.on('message', (data) => { if (typeof self.onmessage === 'function') self.onmessage({ data }); });
importScripts(${JSON.stringify(workerFile)});
`;
}

// installWorker defines a browser-like global Worker class for the
// Emscripten pthread code, backed by worker_threads. Returns the list of
// started workers so that they can be terminated.
function installWorker(glueFile, workerFile) {
  const { Worker: NodeWorker } = require('worker_threads');
  const source = workerBootstrap(glueFile, workerFile);
  const started = [];
  globalThis.Worker = class Worker {
    constructor() {
      this.worker = new NodeWorker(source, { eval: true });
      this.onmessage = null;
      this.onerror = null;
      this.worker.on('message', (data) => { if (this.onmessage) this.onmessage({ data }); });
      this.worker.on('error', (err) => { if (this.onerror) this.onerror(err); else throw err; });
      started.push(this.worker);
    }
    postMessage(msg, transfer) { this.worker.postMessage(msg, transfer); }
    terminate() { this.worker.terminate(); }
  };
  return started;
}

/**
 * Instantiates the runtime.
 * @param {{dir: string, simd: boolean, threads: number, log: (line: string) => void}} opt
 *   dir: the package folder (packageDir); log receives the runtime's output
 * @returns {Promise<{module: object, build: string, version: string, initMs: number, workers: object[]}>}
 */
async function loadRuntime(opt) {
  const build = buildName(opt);
  const wasmDir = path.join(opt.dir, 'wasm');
  const glue = path.join(wasmDir, build + '.js');
  const wasm = path.join(wasmDir, build + '.wasm');
  for (const f of [glue, wasm]) {
    if (!fs.existsSync(f)) throw new Error(`${f} not found: the installed ${PACKAGE} lacks the ${build} build`);
  }
  const version = JSON.parse(fs.readFileSync(path.join(opt.dir, 'package.json'), 'utf8')).version;
  let workers = [];
  if (opt.threads > 1) {
    workers = installWorker(glue, path.join(wasmDir, build + '.worker.js'));
  }
  const start = process.hrtime.bigint();
  const factory = require(glue);
  const module = await factory({
    wasmBinary: fs.readFileSync(wasm),
    mainScriptUrlOrBlob: glue,
    locateFile: (name) => path.join(wasmDir, name),
    print: opt.log,
    printErr: opt.log,
  });
  const initMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { module, build, version: `${PACKAGE}@${version}`, initMs, workers };
}

/**
 * Creates a TFLiteWebModelRunner (an interpreter with XNNPACK applied, tensors
 * allocated) for the model bytes, copied into the runtime's heap.
 * @param {object} module the runtime
 * @param {Uint8Array} bytes the model
 * @param {{threads: number, profile: boolean}} opt
 * @returns {{runner: object, close: () => void}} the runner, and close to
 *   delete it and free the model's copy; throws with TFLite's message when
 *   the model is refused
 */
function createRunner(module, bytes, opt) {
  const ptr = module._malloc(bytes.length);
  if (!ptr) throw new Error(`cannot allocate ${bytes.length} bytes in the WebAssembly heap`);
  module.HEAPU8.set(bytes, ptr); // the interpreter reads this copy as long as it lives
  let status;
  try {
    status = module.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length, {
      numThreads: opt.threads,
      enableProfiling: Boolean(opt.profile),
      maxProfilingBufferEntries: 4096,
    });
    if (!status.ok()) throw new Error(`TFLite refused the model: ${status.errorMessage()}`);
  } catch (err) {
    if (status) status.delete();
    module._free(ptr);
    throw err;
  }
  const runner = status.value();
  status.delete();
  return {
    runner,
    close: () => {
      runner.delete();
      module._free(ptr);
    },
  };
}

/**
 * Lists a runner's input or output tensors.
 * @param {object} runner
 * @param {'GetInputs'|'GetOutputs'} which
 * @returns {{name: string, dataType: string, shape: number[], data: () => ArrayBufferView}[]}
 */
function tensors(runner, which) {
  const vec = runner[which]();
  try {
    const out = [];
    for (let i = 0; i < vec.size(); i++) {
      const t = vec.get(i);
      out.push({
        name: t.name,
        dataType: t.dataType,
        shape: String(t.shape).split(',').filter((s) => s !== '').map(Number),
        data: () => t.data(),
      });
    }
    return out;
  } finally {
    vec.delete();
  }
}

/**
 * Runs the model once with profiling and counts node types: partitions
 * handed to XNNPACK ("TfLiteXNNPackDelegate") and built-in kernels left to
 * TFLite's own CPU code.
 * @returns {{xnnpackPartitions: number, cpuOps: Object<string, number>}}
 */
function delegation(runner) {
  const res = runner.GetProfilingResults();
  try {
    let xnnpackPartitions = 0;
    const cpuOps = {};
    for (let i = 0; i < res.size(); i++) {
      const type = res.get(i).nodeType;
      if (type === 'TfLiteXNNPackDelegate') xnnpackPartitions++;
      else cpuOps[type] = (cpuOps[type] || 0) + 1;
    }
    return { xnnpackPartitions, cpuOps };
  } finally {
    res.delete();
  }
}

module.exports = { PACKAGE, packageDir, buildName, loadRuntime, createRunner, tensors, delegation };
