'use strict';
// Latency statistics computed as edge-agent's inference/bench.Summarize does:
// the p-quantile of n sorted samples is sample round(p*(n-1)).

/**
 * @param {number[]} samples latencies in milliseconds (any order, not empty)
 * @returns {{min: number, median: number, p90: number, p99: number, mean: number, max: number}}
 */
function summarize(samples) {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const pct = (p) => s[Math.floor(p * (s.length - 1) + 0.5)];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { min: s[0], median: pct(0.5), p90: pct(0.9), p99: pct(0.99), mean, max: s[s.length - 1] };
}

module.exports = { summarize };
