import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "@std/path";
import {
  dtypeCtor,
  encodeNpy,
  type NpyArray,
  type NpyDtype,
  parseNpy,
  readNpy,
  writeNpy,
} from "../lib/formats/npy.ts";
import { sharedPath } from "../lib/core/shared.ts";

const SRLUT = sharedPath("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x4_4bit_int8.npy");

Deno.test({
  name: "SR-LUT Model_S x4 4-bit LUT reads as int8 [83521,1,4,4] and re-encodes byte-identically",
  ignore: !SRLUT,
  fn: async () => {
    const a = await readNpy(SRLUT!);
    assertEquals(a.dtype, "int8");
    // 17^4 input combinations, 1 channel, 4x4 output pixels (x4 upscaling).
    assertEquals(a.shape, [83521, 1, 4, 4]);
    assertEquals(a.data.length, 83521 * 16);
    assertEquals(a.data instanceof Int8Array, true);
    assertEquals(encodeNpy(a), await Deno.readFile(SRLUT!));
  },
});

Deno.test("writeNpy/readNpy round-trip every dtype bit-exactly, including 0-d and empty arrays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "io_npy_" });
  try {
    const dtypes: NpyDtype[] = [
      "int8",
      "uint8",
      "int16",
      "uint16",
      "int32",
      "uint32",
      "float32",
      "float64",
      "int64",
    ];
    for (const dtype of dtypes) {
      for (const shape of [[2, 3, 4], [5], [], [0, 3]]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const Ctor = dtypeCtor(dtype);
        const data = new Ctor(n);
        for (let i = 0; i < n; i++) {
          if (data instanceof BigInt64Array) data[i] = BigInt(i) * -123456789012n;
          else data[i] = dtype.startsWith("float") ? (i - 7) / 3 : (i * 37) % 100;
        }
        const arr = { dtype, shape, data } as NpyArray;
        const p = join(dir, `${dtype}_${shape.join("x")}.npy`);
        await writeNpy(p, arr);
        const back = await readNpy(p);
        assertEquals(back.dtype, dtype);
        assertEquals(back.shape, shape);
        assertEquals(back.data, data);
        const bytes = await Deno.readFile(p);
        assertEquals((bytes.length - back.data.byteLength) % 64, 0); // header padded to 64 bytes as numpy does
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function withHeader(header: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  const h = header.padEnd(total - pre - 1, " ") + "\n";
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[pre + i] = h.charCodeAt(i);
  out.set(data, total);
  return out;
}

Deno.test("parseNpy reads v2/v3 headers and rejects Fortran order, big-endian, bad magic, truncation", () => {
  const f4 = new Uint8Array(new Float32Array([1.5, -2, 3]).buffer);
  for (const v of [2, 3]) {
    const a = parseNpy(
      withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f4, v),
      "v.npy",
    );
    assertEquals(Array.from(a.data as Float32Array), [1.5, -2, 3]);
  }
  assertThrows(
    () => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", f4), "f.npy"),
    Error,
    "f.npy: fortran_order",
  );
  assertThrows(
    () => parseNpy(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", f4), "b.npy"),
    Error,
    "big-endian",
  );
  assertThrows(
    () => parseNpy(withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", f4), "o.npy"),
    Error,
    "unsupported dtype",
  );
  assertThrows(
    () => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", f4), "t.npy"),
    Error,
    "t.npy: truncated data",
  );
  assertThrows(() => parseNpy(new Uint8Array(20), "z.npy"), Error, "bad magic");
  assertThrows(
    () => encodeNpy({ dtype: "float32", shape: [2, 2], data: new Float32Array(3) }),
    Error,
    "4 elements, data has 3",
  );
});

Deno.test("readNpy names a missing file", async () => {
  await assertRejects(() => readNpy("/nonexistent/dir/x.npy"), Error, "/nonexistent/dir/x.npy");
});
