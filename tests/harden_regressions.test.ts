/**
 * Regression tests of issue 10, one per reported case: hostile .pth/.cube/.npy/BMP files, wrong arrays
 * into the FFI wrappers, and outputs that silently overwrote each other. The .pth cases run in a Worker
 * under a time limit (tests/fuzz_util.ts), so the old endless loop fails the test instead of hanging it.
 */
import { assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { parseCube, readCube } from "../lib/formats/cube.ts";
import { encodeNpy, parseNpy } from "../lib/formats/npy.ts";
import { decodeBmp } from "../lib/image/io.ts";
import { applyLut3d, applyLut3dU8, lut3dBackward } from "../lib/lut/lut3d.ts";
import { readInputs, writeImageCube } from "../lib/enhance/export.ts";
import type { PhotoNet } from "../lib/enhance/nets.ts";
import { writeImage } from "../lib/image/io.ts";
import { quickstart } from "../lib/cli/quickstart.ts";
import { CaseRunner } from "./fuzz_util.ts";

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const unicode = (s: string) => [0x58, ...le32(s.length), ...latin1(s)];
const global = (m: string, n: string) => [0x63, ...latin1(`${m}\n${n}\n`)];
const binint = (n: number) => [0x4a, ...le32(n)];
const binfloat = (x: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, false);
  return [0x47, ...b];
};
/** A pickled tuple of already-pickled items. */
const tuple = (items: number[][]) => [0x28, ...items.flat(), 0x74];

/** Legacy torch checkpoint: magic, protocol 1001, sys_info, `object` pickle body, then storage "0" if given. */
function legacyCheckpoint(object: number[], storage?: Float32Array): Uint8Array {
  const magic = [0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
  const keys = storage ? [0x28, ...unicode("0"), 0x65] : [];
  const data = storage
    ? [
      ...new Uint8Array(new BigInt64Array([BigInt(storage.length)]).buffer),
      ...new Uint8Array(storage.buffer),
    ]
    : [];
  return new Uint8Array([
    ...magic,
    ...[0x80, 2, 0x4d, 0xe9, 0x03, 0x2e],
    ...[0x80, 2, 0x7d, 0x2e],
    ...[0x80, 2, ...object, 0x2e],
    ...[0x80, 2, 0x5d, ...keys, 0x2e],
    ...data,
  ]);
}

/** {"w": _rebuild_tensor_v2(FloatStorage "0" of 4, offset, size, stride)} with pickled offset/size/stride. */
function tensorCheckpoint(offset: number[], size: number[][], stride: number[][]): Uint8Array {
  const storage = tuple([
    unicode("storage"),
    global("torch", "FloatStorage"),
    unicode("0"),
    unicode("cpu"),
    binint(4),
    [
      0x4e,
    ],
  ]);
  const args = tuple([[...storage, 0x51], offset, tuple(size), tuple(stride), [0x89], [
    ...global("collections", "OrderedDict"),
    0x29,
    0x52,
  ]]);
  const body = [0x7d, ...unicode("w"), ...global("torch._utils", "_rebuild_tensor_v2"), ...args, 0x52, 0x73];
  return legacyCheckpoint(body, new Float32Array([1, 2, 3, 4]));
}

const runner = new CaseRunner(10_000);

/** The .pth case must end, within the time limit, in an Error naming the file and matching `field`. */
async function pthRefused(name: string, bytes: Uint8Array, field: RegExp): Promise<void> {
  const o = await runner.run("pth", name, bytes);
  assertEquals(o.outcome, "error", `${name}: ${o.detail}`);
  assertMatch(o.detail, field);
}

Deno.test(".pth: hostile pickles and tensor views end in clear errors naming the file", async () => {
  try {
    // a legacy BINSTRING with a negative length used to loop forever, growing memory
    await pthRefused("negstr.pth", latin1("\x80\x02T\xfb\xff\xff\xff."), /negstr\.pth.*negative/);
    // shape [2^31-1] with stride [0] of a 4-element storage: ~8 GB before
    await pthRefused(
      "expand.pth",
      tensorCheckpoint(binint(0), [binint(2 ** 31 - 1)], [binint(0)]),
      /expand\.pth: tensor w \[2147483647\].*2147483647 elements/,
    );
    await pthRefused(
      "negstride.pth",
      tensorCheckpoint(binint(3), [binint(2)], [binint(-1)]),
      /negstride\.pth.*stride/,
    );
    await pthRefused(
      "fracoff.pth",
      tensorCheckpoint(binfloat(0.5), [binint(2)], [binint(1)]),
      /fracoff\.pth.*offset 0\.5/,
    );
    await pthRefused(
      "strshape.pth",
      tensorCheckpoint(binint(0), [unicode("a")], [binint(1)]),
      /strshape\.pth.*size \["a"\]/,
    );
    await pthRefused(
      "negshape.pth",
      tensorCheckpoint(binint(0), [binint(-2)], [binint(1)]),
      /negshape\.pth.*size \[-2\]/,
    );
    // a list that contains itself (BINPUT 0, BINGET 0, APPEND), and 100000 nested lists
    await pthRefused(
      "selfref.pth",
      legacyCheckpoint([0x5d, 0x71, 0, 0x68, 0, 0x61]),
      /selfref\.pth: self-referencing/,
    );
    const deep = [...new Array(100000).fill(0x5d), ...new Array(99999).fill(0x61)];
    await pthRefused("deep.pth", legacyCheckpoint(deep), /deep\.pth: nesting deeper than/);
    // the same builder with sane values gives the tensor (the cases above differ only in the bad field)
    const ok = await runner.run("pth", "ok.pth", tensorCheckpoint(binint(1), [binint(3)], [binint(1)]));
    assertEquals(ok.outcome, "value", ok.detail);
  } finally {
    runner.close();
  }
});

Deno.test(".cube: values beyond float32 and non-decimal numbers are refused with file and line", () => {
  const cube = (v: string) => `LUT_3D_SIZE 2\n${"0 0 0\n".repeat(5)}0 ${v} 0\n0 0 0\n1 1 1\n`;
  assertEquals(parseCube(cube("3.4e38"), "ok.cube").lut[8 + 5], Math.fround(3.4e38));
  assertThrows(() => parseCube(cube("1e39"), "big.cube"), Error, 'big.cube:7: non-finite value "1e39"');
  assertThrows(() => parseCube(cube("0x10"), "hex.cube"), Error, 'hex.cube:7: non-finite value "0x10"');
  assertThrows(() => parseCube(cube("Infinity"), "inf.cube"), Error, "inf.cube:7");
  assertThrows(() => parseCube("LUT_3D_SIZE 0x10\n", "size.cube"), Error, "size.cube:1: LUT_3D_SIZE");
  // a tiny file declaring 256^3 rows is refused before 200 MB are allocated
  assertThrows(
    () => parseCube("LUT_3D_SIZE 256\n0 0 0\n", "huge.cube"),
    Error,
    "huge.cube: LUT_3D_SIZE 256 expects",
  );
});

/** .npy bytes with `header` as the header dict and `data` after it. */
function npy(header: string, data = new Uint8Array(8)): Uint8Array {
  const h = header.padEnd(117, " ") + "\n";
  return new Uint8Array([0x93, ...latin1("NUMPY"), 1, 0, h.length, 0, ...latin1(h), ...data]);
}

Deno.test(".npy: duplicate keys, float shapes and prototype names as descr are refused", () => {
  const good = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }");
  assertEquals(parseNpy(good, "good.npy").shape, [2]);
  assertEquals(parseNpy(encodeNpy({ dtype: "int8", shape: [2, 1], data: new Int8Array(2) }), "w.npy").shape, [
    2,
    1,
  ]);
  const twice = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (2,), }");
  assertThrows(() => parseNpy(twice, "twice.npy"), Error, "twice.npy: header has key 'shape' twice");
  const float = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }");
  assertThrows(() => parseNpy(float, "float.npy"), Error, "float.npy: header field 'shape': bad entry '2.0'");
  for (const d of ["constructor", "toString", "__proto__"]) {
    const proto = npy(`{'descr': '${d}', 'fortran_order': False, 'shape': (2,), }`);
    assertThrows(() => parseNpy(proto, `${d}.npy`), Error, `${d}.npy: unsupported dtype '${d}'`);
  }
});

Deno.test("BMP: a dataOffset inside the headers is refused (no header bytes as pixels)", () => {
  const w = 2, h = 2, stride = 8;
  const bmp = new Uint8Array(54 + stride * h);
  const dv = new DataView(bmp.buffer);
  bmp.set([0x42, 0x4d]);
  dv.setUint32(2, bmp.length, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  dv.setUint32(10, 54, true);
  assertEquals(decodeBmp(bmp, "ok.bmp").width, 2);
  for (const off of [0, 3, 53]) {
    dv.setUint32(10, off, true);
    assertThrows(
      () => decodeBmp(bmp, `off${off}.bmp`),
      Error,
      `off${off}.bmp: dataOffset ${off} lies inside`,
    );
  }
});

Deno.test("FFI: wrong element types and modes are refused before the native call, naming the argument", () => {
  const shape = { batch: 1, height: 4, width: 4, dim: 2 };
  const img = new Float32Array(48).fill(0.5), lut = new Float32Array(24).fill(0.25);
  const u8 = (n: number) => new Uint8Array(n) as unknown as Float32Array;
  const f64 = (n: number) => new Float64Array(n) as unknown as Float32Array;
  assertThrows(
    () => applyLut3d(u8(48), lut, shape, "trilinear"),
    Error,
    "img must be a Float32Array, got a Uint8Array",
  );
  assertThrows(() => applyLut3d(img, u8(24), shape, "trilinear"), Error, "lut must be a Float32Array");
  assertThrows(() => applyLut3d(img, lut, shape, "trilinear", u8(48)), Error, "out must be a Float32Array");
  assertThrows(() => applyLut3d(img, f64(24), shape, "trilinear"), Error, "got a Float64Array of 24 values");
  assertThrows(
    () => applyLut3d(img, lut, shape, "toString" as "trilinear"),
    Error,
    'mode must be "trilinear" or',
  );
  assertThrows(
    () => lut3dBackward(img, lut, new Float32Array(48), shape, "trilinear", { gradLut: u8(24) }),
    Error,
    "gradLut must be a Float32Array",
  );
  assertThrows(
    () => applyLut3dU8(new Uint16Array(48) as unknown as Uint8Array, 4, 4, lut, 2, "trilinear"),
    Error,
    "rgb must be a Uint8Array",
  );
  // the right types still work
  assertEquals(applyLut3d(img, lut, shape, "tetrahedral")[0], 0.25);
});

Deno.test("export: image stems that collide are refused; quotes in names give a valid .cube", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const img = { data: new Float32Array(3 * 4).fill(0.5), channels: 3, height: 2, width: 2 };
    for (const f of ["a.png", "a.jpg", "b.png"]) await writeImage(join(dir, f), img);
    await Deno.copyFile(join(dir, "b.png"), join(dir, "a.tif"));
    await assertRejects(() => readInputs(dir), Error, "a.jpg, a.png, a.tif -> a.cube");
    for (const f of ["a.jpg", "a.tif"]) await Deno.remove(join(dir, f));
    await writeImage(join(dir, 'z"quote.png'), img);
    const inputs = await readInputs(dir);
    assertEquals(inputs.map((i) => i.name), ["a", "b", 'z"quote']);
    const net = { cubeSize: 2 } as PhotoNet;
    const path = await writeImageCube(net, dir, 'z"quote', 'exp z"quote', new Float32Array(24));
    assertEquals((await readCube(path)).title, "exp z'quote");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quickstart --out <existing experiment> is refused without --force (nothing replaced)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "config.toml"), "# my experiment\n");
    await assertRejects(() => quickstart(dir, 1, true), Error, "is an existing experiment");
    assertEquals(await Deno.readTextFile(join(dir, "config.toml")), "# my experiment\n");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["config.toml"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
