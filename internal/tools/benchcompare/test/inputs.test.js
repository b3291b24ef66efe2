'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { splitmix64, fillPseudoRandom } = require('../lib/inputs');

test('splitmix64 seeded 0 gives the reference SplitMix64 stream', () => {
  const next = splitmix64(0);
  // SplitMix64 (Steele, Lea, Flood 2014) from state 0.
  assert.deepStrictEqual([next(), next(), next(), next()],
    [0xE220A8397B1DCDAFn, 0x6E789E6AA1B965F4n, 0x06C45D188009454Fn, 0xF88BB8A8724C81ECn]);
});

test('seed k starts where seed 0 is after k draws (state = seed * golden gamma)', () => {
  const ref = splitmix64(0);
  ref();
  const s1 = splitmix64(1);
  for (let i = 0; i < 5; i++) assert.strictEqual(s1(), ref());
});

test('integer tensors get the stream little-endian, tail bytes one draw each', () => {
  const buf = new Int8Array(11);
  fillPseudoRandom(buf, 'int16', 0);
  const bytes = new Uint8Array(buf.buffer);
  const first = Buffer.alloc(8);
  first.writeBigUInt64LE(0xE220A8397B1DCDAFn, 0);
  assert.deepStrictEqual([...bytes.subarray(0, 8)], [...first]);
  // Bytes 8, 9, 10: the low byte of draws 2, 3, 4.
  assert.deepStrictEqual([...bytes.subarray(8)], [0xF4, 0x4F, 0xEC]);
});

test('float32 tensors hold uniform values in [-1, 1) exactly representable', () => {
  const f = new Float32Array(1000);
  fillPseudoRandom(f, 'float32', 3);
  const next = splitmix64(3);
  for (let i = 0; i < f.length; i++) {
    const want = Number(next() >> 40n) / 16777216 * 2 - 1;
    assert.strictEqual(f[i], want, `element ${i}`); // exact: 24-bit fractions fit a float32
    assert.ok(f[i] >= -1 && f[i] < 1);
  }
});

test('bool tensors hold 0 or 1, and views into a larger buffer stay in bounds', () => {
  const backing = new Uint8Array(32).fill(0xAA);
  const view = new Uint8Array(backing.buffer, 8, 16);
  fillPseudoRandom(view, 'bool', 1);
  assert.ok([...view].every((b) => b === 0 || b === 1));
  assert.ok([...backing.subarray(0, 8), ...backing.subarray(24)].every((b) => b === 0xAA));
});
