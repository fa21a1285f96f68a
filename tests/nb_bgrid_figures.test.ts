// Notebook 07's LUTwithBGrid figure: the grid curves at the two spatial corners, from the identity grids
// (value = guide colour) and bad shapes refused.
import { assertEquals, assertThrows } from "@std/assert";
import { bgridCurvesFigure } from "../lib/analysis/bgrid.ts";

Deno.test("bgridCurvesFigure: identity grids give the diagonal, 2 curves per grid channel", () => {
  const D = 5, gpc = 2, G = 3 * gpc;
  const grids = new Float32Array(G * D ** 3);
  for (let o = 0; o < G; o++) {
    for (let i = 0; i < D ** 3; i++) grids[o * D ** 3 + i] = Math.floor(i / (D * D)) / (D - 1);
  }
  const fig = bgridCurvesFigure(grids, D, gpc);
  const data = fig.data as unknown as { x: number[]; y: number[]; name: string }[];
  assertEquals(data.length, 2 * G);
  for (const t of data) assertEquals(t.y, t.x);
  assertEquals(data[2].name, "grid 1 (R #1)");
  assertThrows(() => bgridCurvesFigure(grids.subarray(1), D, gpc), Error, "expected 3·gpc·D³ = 750");
});
