'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { parseArgs, UsageError } = require('../tflite_bench');

test('defaults: 1 thread, SIMD, XNNPACK, repair and probe on', () => {
  const o = parseArgs(['m.tflite']);
  assert.deepStrictEqual(o, { model: 'm.tflite', runs: 50, warmup: 3, threads: 1, simd: true, xnnpack: true, fix: true, probe: true, liftoff: false, jitWarmup: true, dumpDir: null, verbose: false });
});

test('options in both spellings', () => {
  const o = parseArgs(['--runs', '7', '--threads=2', 'x.tflite', '--no-simd', '--warmup=0', '--dump-dir', '/tmp/d', '--xnnpack', 'off', '--liftoff', '--no-jit-warmup']);
  assert.strictEqual(o.liftoff, true);
  assert.strictEqual(o.jitWarmup, false);
  assert.strictEqual(o.runs, 7);
  assert.strictEqual(o.threads, 2);
  assert.strictEqual(o.warmup, 0);
  assert.strictEqual(o.simd, false);
  assert.strictEqual(o.xnnpack, false);
  assert.strictEqual(o.dumpDir, '/tmp/d');
  assert.strictEqual(o.model, 'x.tflite');
});

test('bad arguments are usage errors', () => {
  for (const argv of [[], ['--runs', '0', 'm'], ['--runs', '1.5', 'm'], ['--threads', 'two', 'm'], ['a', 'b'], ['--bogus', 'm'], ['m', '--runs'], ['m', '--xnnpack', 'maybe']]) {
    assert.throws(() => parseArgs(argv), UsageError, JSON.stringify(argv));
  }
});
