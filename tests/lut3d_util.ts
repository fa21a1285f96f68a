// Shared helpers of the lut3d_* tests: seeded random numbers, random LUTs, edge colours, max abs error.
import { assertEquals } from "@std/assert";

/** Seeded uniform [0,1) generator (LCG). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Max |a-b| (NaN if either holds NaN, so a NaN fails every `<=` check). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; ++i) {
    const d = Math.abs(a[i] - b[i]);
    m = d > m || Number.isNaN(d) ? d : m;
    if (Number.isNaN(m)) return NaN;
  }
  return m;
}

/** `count` random LUTs [count,3,D,D,D] with values in [0,1). */
export function randomLut(count: number, dim: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: count * 3 * dim ** 3 }, () => r());
}

/** Random colours in [-0.2,1.2) mixed with edge values: 0, 1, grid points k/(D-1), out of range, NaN, inf. */
export function edgeColours(n: number, dim: number, seed: number): Float32Array {
  const r = rng(seed);
  const edges = [0, 1, -0.3, 1.7, NaN, Infinity, -Infinity, 1 - 1e-7, 1e-8];
  return Float32Array.from({ length: n }, (_, i) => {
    if (i % 5 === 1) return edges[Math.floor(r() * edges.length)];
    if (i % 5 === 3) return Math.floor(r() * dim) / (dim - 1);
    return r() * 1.4 - 0.2;
  });
}
