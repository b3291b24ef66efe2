'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { summarize } = require('../lib/stats');

test('quantiles follow edge-agent: sample round(p*(n-1)) of the sorted list', () => {
  const s = summarize([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
  assert.strictEqual(s.min, 1);
  assert.strictEqual(s.max, 10);
  assert.strictEqual(s.median, 6); // round(0.5*9) = 5 (half up) -> 6
  assert.strictEqual(s.p90, 9); // round(0.9*9) = 8 -> 9
  assert.strictEqual(s.p99, 10);
  assert.strictEqual(s.mean, 5.5);
});

test('one sample is every statistic; none is an error', () => {
  assert.deepStrictEqual(summarize([2.5]), { min: 2.5, median: 2.5, p90: 2.5, p99: 2.5, mean: 2.5, max: 2.5 });
  assert.throws(() => summarize([]), /no samples/);
});

test('the input is not reordered', () => {
  const xs = [3, 1, 2];
  summarize(xs);
  assert.deepStrictEqual(xs, [3, 1, 2]);
});
