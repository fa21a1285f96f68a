import { assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { formatCube, parseCube, readCube, writeCube } from "../lib/formats/cube.ts";

/** Identity LUT in layout lut[c][b][g][r]: output channel c at grid (r,g,b) = that coordinate / (D-1). */
function identity(D: number): Float32Array {
  const lut = new Float32Array(3 * D ** 3);
  for (let b = 0; b < D; b++) {
    for (let g = 0; g < D; g++) {
      for (let r = 0; r < D; r++) {
        const i = (b * D + g) * D + r;
        lut[i] = r / (D - 1);
        lut[D ** 3 + i] = g / (D - 1);
        lut[2 * D ** 3 + i] = b / (D - 1);
      }
    }
  }
  return lut;
}

Deno.test("parseCube: keywords, comments, red-fastest row order into lut[c][b][g][r]", () => {
  const text = [
    "# made by hand",
    'TITLE "tiny test"',
    "",
    "LUT_3D_SIZE 2",
    "DOMAIN_MIN 0 0 0",
    "DOMAIN_MAX 1 2 1",
    "0 0 0", // r=0 g=0 b=0
    "1 0 0", // r=1
    "0 1 0", // g=1
    "1 1 0",
    "0 0 1", // b=1
    "1 0 1",
    "0 1 1",
    "0.25 0.5 0.75", // r=g=b=1
  ].join("\r\n");
  const c = parseCube(text, "t.cube");
  assertEquals(c.title, "tiny test");
  assertEquals([c.size, c.domainMin, c.domainMax], [2, [0, 0, 0], [1, 2, 1]]);
  const D = 2, at = (ch: number, r: number, g: number, b: number) => c.lut[((ch * D + b) * D + g) * D + r];
  assertEquals([at(0, 1, 0, 0), at(1, 1, 0, 0), at(2, 1, 0, 0)], [1, 0, 0]);
  assertEquals([at(0, 0, 1, 0), at(1, 0, 1, 0), at(2, 0, 0, 1)], [0, 1, 1]);
  assertEquals([at(0, 1, 1, 1), at(1, 1, 1, 1), at(2, 1, 1, 1)], [0.25, 0.5, 0.75]);
});

Deno.test("writeCube/readCube round-trip (identity 17 and random 9, 9 decimals) and text input", async () => {
  const dir = await Deno.makeTempDir({ prefix: "io_cube_" });
  try {
    const p = join(dir, "sub", "id.cube");
    await writeCube(p, { title: "identity", size: 17, lut: identity(17) });
    const back = await readCube(p);
    assertEquals([back.title, back.size, back.domainMin, back.domainMax], ["identity", 17, [0, 0, 0], [
      1,
      1,
      1,
    ]]);
    const id = identity(17);
    for (let i = 0; i < id.length; i++) assertAlmostEquals(back.lut[i], id[i], 5e-7);
    let s = 12345;
    const rnd = Float32Array.from(
      { length: 3 * 729 },
      () => ((s = (s * 69069 + 1) >>> 0) / 2 ** 32) * 1.4 - 0.2,
    );
    await writeCube(p, { size: 9, lut: rnd, domainMin: [-0.5, 0, 0], domainMax: [1.5, 1, 1] }, {
      decimals: 9,
    });
    const r = await readCube(p);
    assertEquals([r.domainMin, r.domainMax, r.title], [[-0.5, 0, 0], [1.5, 1, 1], undefined]);
    for (let i = 0; i < rnd.length; i++) assertAlmostEquals(r.lut[i], rnd[i], 1e-9);
    const fromText = await readCube(formatCube({ size: 2, lut: identity(2) }));
    assertEquals(Array.from(fromText.lut), Array.from(identity(2)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseCube errors: size, row count, bad values, 1D LUTs, unknown keywords", async () => {
  const rows = (n: number) => Array.from({ length: n }, () => "0 0 0").join("\n");
  assertThrows(() => parseCube(rows(8), "a.cube"), Error, "a.cube:1: data row before LUT_3D_SIZE");
  assertThrows(() => parseCube('TITLE "x"\n', "b.cube"), Error, "b.cube: missing LUT_3D_SIZE");
  assertThrows(
    () => parseCube("LUT_3D_SIZE 2.5\n" + rows(8), "c.cube"),
    Error,
    "LUT_3D_SIZE must be an integer",
  );
  assertThrows(() => parseCube("LUT_3D_SIZE 2\n" + rows(7), "d.cube"), Error, "expects 8 rows, got 7");
  assertThrows(() => parseCube("LUT_3D_SIZE 2\n" + rows(10), "e.cube"), Error, "expects 8 rows, got 10");
  assertThrows(
    () => parseCube("LUT_3D_SIZE 2\n" + rows(3) + "\n0 nan 0\n" + rows(4), "f.cube"),
    Error,
    "f.cube:5",
  );
  assertThrows(() => parseCube("LUT_3D_SIZE 2\n0 Infinity 0\n" + rows(7), "g.cube"), Error, "non-finite");
  assertThrows(() => parseCube("LUT_3D_SIZE 2\n0 0\n" + rows(7), "h.cube"), Error, "expected 3 values");
  assertThrows(() => parseCube("LUT_1D_SIZE 2\n" + rows(2), "i.cube"), Error, "i.cube: has a 1D table");
  assertThrows(() => parseCube("FOO 1\nLUT_3D_SIZE 2\n" + rows(8), "j.cube"), Error, "unknown keyword FOO");
  assertThrows(
    () => parseCube("DOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 1 1\nLUT_3D_SIZE 2\n" + rows(8)),
    Error,
    "DOMAIN_MIN",
  );
  assertThrows(() => formatCube({ size: 3, lut: new Float32Array(10) }), Error, "expected 3*3^3 = 81");
  assertThrows(() => formatCube({ size: 2, lut: new Float32Array(24).fill(NaN) }), Error, "non-finite");
  await assertRejects(() => readCube("/nonexistent/l.cube"), Error, "/nonexistent/l.cube");
});
