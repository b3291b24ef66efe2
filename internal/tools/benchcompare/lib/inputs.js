'use strict';
// Deterministic pseudo-random input data, byte for byte the data that
// `edge-agent model bench` feeds when given no --input files
// (fillPseudoRandom in cmd/edge-agent/model.go): a splitmix64 stream seeded
// with the input's index + 1; float tensors get uniform values in [-1, 1),
// bool tensors 0 or 1, every other type the stream's bytes, little-endian.

const MASK = (1n << 64n) - 1n;
const GOLDEN = 0x9E3779B97F4A7C15n;

/**
 * Returns a splitmix64 generator as edge-agent seeds it.
 * @param {number} seed
 * @returns {() => bigint} the next 64-bit value
 */
function splitmix64(seed) {
  let s = (BigInt(seed) * GOLDEN) & MASK;
  return () => {
    s = (s + GOLDEN) & MASK;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & MASK;
    return z ^ (z >> 31n);
  };
}

/**
 * Fills a typed array (a view of a tensor's memory) with the data
 * edge-agent would use for the input with this seed.
 * @param {ArrayBufferView} view the tensor's data
 * @param {string} dataType TFLite type name: float32, float64, bool, int8 ...
 * @param {number} seed input index + 1
 */
function fillPseudoRandom(view, dataType, seed) {
  const next = splitmix64(seed);
  if (dataType === 'float32' || dataType === 'float64') {
    for (let i = 0; i < view.length; i++) {
      view[i] = dataType === 'float32'
        ? Number(next() >> 40n) / 16777216 * 2 - 1
        : Number(next() >> 11n) / 9007199254740992 * 2 - 1;
    }
    return;
  }
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (dataType === 'bool') {
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number(next() & 1n);
    return;
  }
  const whole = bytes.length - (bytes.length % 8);
  for (let i = 0; i < whole; i += 8) {
    let v = next();
    for (let b = 0; b < 8; b++) {
      bytes[i + b] = Number(v & 0xFFn);
      v >>= 8n;
    }
  }
  for (let i = whole; i < bytes.length; i++) bytes[i] = Number(next() & 0xFFn);
}

module.exports = { splitmix64, fillPseudoRandom };
