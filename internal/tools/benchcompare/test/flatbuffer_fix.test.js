'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { fixQuantizedDimension, repairDimension } = require('../lib/flatbuffer_fix');

function sharedModel(name) {
  const dir = process.env.EDGE_SHARED || path.join(__dirname, '..', '..', '..', '..', 'shared');
  const file = path.join(dir, 'models', name);
  return fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : null;
}

test('repairDimension picks the only dimension that can be meant', () => {
  assert.strictEqual(repairDimension([8], 8), 0);
  assert.strictEqual(repairDimension([8], 1), 0);
  assert.strictEqual(repairDimension([], 1), 0);
  assert.strictEqual(repairDimension([1, 3, 3, 16], 16), 3);
  assert.strictEqual(repairDimension([16, 16], 16), -1, 'ambiguous');
  assert.strictEqual(repairDimension([8], 4), -1, 'no dimension fits');
});

test('person_detect: the 14 bias tensors are repaired, nothing else changes', (t) => {
  const orig = sharedModel('person_detect.tflite');
  if (!orig) return t.skip('shared models not found (set EDGE_SHARED)');
  const before = Uint8Array.from(orig);
  const { bytes, patched } = fixQuantizedDimension(orig);
  assert.strictEqual(patched, 14);
  assert.deepStrictEqual(orig, before, 'the input is left untouched');
  assert.strictEqual(bytes.length, orig.length);
  const changed = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== orig[i]) changed.push(i);
  // Each repair turns one little-endian int32 3 into 0: one byte per tensor.
  assert.strictEqual(changed.length, 14);
  for (const i of changed) {
    assert.strictEqual(orig[i], 3);
    assert.strictEqual(bytes[i], 0);
  }
  assert.strictEqual(fixQuantizedDimension(bytes).patched, 0, 'a repaired file needs nothing more');
});

test('valid models are returned unchanged', (t) => {
  for (const name of ['mobilenet_v2_quantized_1x3x224x224.tflite', 'trained_lstm_int8.tflite', 'hello_world_float.tflite']) {
    const orig = sharedModel(name);
    if (!orig) return t.skip('shared models not found (set EDGE_SHARED)');
    const { bytes, patched } = fixQuantizedDimension(orig);
    assert.strictEqual(patched, 0, name);
    assert.deepStrictEqual(bytes, orig, name);
  }
});

test('bad input gives an Error, never a crash of another kind', (t) => {
  assert.throws(() => fixQuantizedDimension(new Uint8Array(3)), /not a TFLite model/);
  assert.throws(() => fixQuantizedDimension(Buffer.from('hello, not a model')), /not a TFLite model/);
  const orig = sharedModel('person_detect.tflite');
  if (!orig) return t.skip('shared models not found (set EDGE_SHARED)');
  assert.throws(() => fixQuantizedDimension(orig.subarray(0, 4096)), /malformed flatbuffer/);
  // Random corruptions: every outcome is a result or our own Error.
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed; };
  for (let i = 0; i < 300; i++) {
    const m = Uint8Array.from(orig.subarray(0, 8 + (rnd() % (orig.length - 8))));
    for (let k = 0; k < 8; k++) m[8 + (rnd() % (m.length - 8))] = rnd() & 0xFF;
    try {
      const r = fixQuantizedDimension(m);
      assert.strictEqual(r.bytes.length, m.length);
    } catch (err) {
      assert.ok(err.constructor === Error && /malformed flatbuffer|not a TFLite model/.test(err.message), err.stack);
    }
  }
});
