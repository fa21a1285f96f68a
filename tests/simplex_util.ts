// Shared helpers of the simplex_* tests: a seeded generator and the max abs difference of two arrays.
import { assertEquals } from "@std/assert";

/** Deterministic uniform [0,1) generator (LCG). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Max |a - b| over two same-length arrays. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
