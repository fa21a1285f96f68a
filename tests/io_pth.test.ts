import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join, relative } from "@std/path";
import { parsePth, readPth, readPthFull, stripPrefix } from "../lib/formats/pth.ts";
import { sharedDataDir, sharedPath } from "../lib/core/shared.ts";

/** Tiny pickle assembler (protocol 2 opcodes, as torch emits them). */
class Pickle {
  b: number[] = [0x80, 2];
  op(...bytes: number[]): this {
    this.b.push(...bytes);
    return this;
  }
  global(mod: string, name: string): this {
    return this.op(0x63, ...new TextEncoder().encode(`${mod}\n${name}\n`));
  }
  str(s: string): this {
    const u = new TextEncoder().encode(s);
    return this.op(0x58, u.length & 255, (u.length >> 8) & 255, 0, 0, ...u);
  }
  int(n: number): this {
    const a = new Uint8Array(new Int32Array([n]).buffer);
    return this.op(0x4a, ...a);
  }
  float(x: number): this {
    const a = new Uint8Array(8);
    new DataView(a.buffer).setFloat64(0, x, false);
    return this.op(0x47, ...a);
  }
  ints(ns: number[]): this {
    this.op(0x28);
    for (const n of ns) this.int(n);
    return this.op(0x74);
  }
  /** Pushes a _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) call. */
  tensor(
    type: string,
    key: string,
    numel: number,
    offset: number,
    size: number[],
    stride: number[],
    legacy = false,
  ) {
    this.global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    this.op(0x28).str("storage").global("torch", type).str(key).str("cpu").int(numel);
    if (legacy) this.op(0x4e);
    this.op(0x74, 0x51); // TUPLE, BINPERSID
    this.int(offset).ints(size).ints(stride).op(0x89).global("collections", "OrderedDict").op(0x29, 0x52);
    return this.op(0x74, 0x52);
  }
  bytes(): Uint8Array {
    return new Uint8Array([...this.b, 0x2e]);
  }
}

/** Store-only zip writer (CRC left 0: the reader does not check it). */
function zip(entries: [string, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  const central: number[] = [];
  const le = (n: number, k: number) => Array.from({ length: k }, (_, i) => (n >>> (8 * i)) & 255);
  for (const [name, data] of entries) {
    const nm = [...new TextEncoder().encode(name)];
    const off = parts.length;
    parts.push(...le(0x04034b50, 4), ...le(0, 2 * 5 + 4), ...le(data.length, 4), ...le(data.length, 4));
    parts.push(...le(nm.length, 2), ...le(0, 2), ...nm, ...data);
    central.push(...le(0x02014b50, 4), ...le(0, 2 * 6 + 4), ...le(data.length, 4), ...le(data.length, 4));
    central.push(...le(nm.length, 2), ...le(0, 2 * 4), ...le(0, 4), ...le(off, 4), ...nm);
  }
  const cdOff = parts.length;
  const eocd = [...le(0x06054b50, 4), ...le(0, 4), ...le(entries.length, 2), ...le(entries.length, 2)];
  eocd.push(...le(central.length, 4), ...le(cdOff, 4), ...le(0, 2));
  return new Uint8Array([...parts, ...central, ...eocd]);
}

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);
const i64 = (xs: bigint[]) => new Uint8Array(new BigInt64Array(xs).buffer);
const f16 = (bits: number[]) => new Uint8Array(new Uint16Array(bits).buffer);

/** {"state_dict": {"module.w": transposed 2×3 view, "module.h": half, "n": int64 0-d at offset 1}, "epoch": 5, "lr": 0.001} */
function checkpointPickle(legacy: boolean): Uint8Array {
  const p = new Pickle().op(0x7d, 0x28).str("state_dict").op(0x7d, 0x28);
  p.str("module.w").tensor("FloatStorage", "0", 6, 0, [2, 3], [1, 2], legacy);
  p.str("module.h").tensor("HalfStorage", "1", 3, 0, [3], [1], legacy);
  p.str("n").tensor("LongStorage", "2", 2, 1, [], [], legacy);
  p.op(0x75).str("epoch").int(5).str("lr").float(0.001).op(0x75);
  return p.bytes();
}

const STORAGE = {
  "0": f32([0, 1, 2, 3, 4, 5]),
  "1": f16([0x3c00, 0xc100, 0x3800]), // 1, -2.5, 0.5
  "2": i64([7n, -1n]),
};

function checkContents(c: ReturnType<typeof parsePth>): void {
  assertEquals([...c.tensors.keys()], ["state_dict.module.w", "state_dict.module.h", "state_dict.n"]);
  const w = c.tensors.get("state_dict.module.w")!;
  assertEquals(w.shape, [2, 3]);
  assertEquals(Array.from(w.data as Float32Array), [0, 2, 4, 1, 3, 5]); // strided view copied to C order
  const h = c.tensors.get("state_dict.module.h")!;
  assertEquals([h.dtype, Array.from(h.data as Float32Array)], ["float32", [1, -2.5, 0.5]]);
  const n = c.tensors.get("state_dict.n")!;
  assertEquals([n.dtype, n.shape, Array.from(n.data as BigInt64Array)], ["int64", [], [-1n]]);
  assertEquals(c.other.get("epoch"), 5);
  assertEquals(c.other.get("lr"), 0.001);
  const stripped = stripPrefix(c.tensors, "state_dict.");
  assertEquals([...stripPrefix(stripped, "module.").keys()], ["w", "h", "n"]);
}

Deno.test("zip checkpoint: strided/half/int64 tensors, nested dicts, scalars, unreferenced storage", () => {
  const pkl = checkpointPickle(false);
  const entries: [string, Uint8Array][] = [["ckpt/data.pkl", pkl], [
    "ckpt/byteorder",
    new TextEncoder().encode("little"),
  ]];
  for (const [k, v] of Object.entries(STORAGE)) entries.push([`ckpt/data/${k}`, v]);
  const c = parsePth(zip(entries), "mem.pth");
  assertEquals(c.format, "zip");
  assertEquals(c.unreferencedStorages, []);
  checkContents(c);
  const extra = parsePth(zip([...entries, ["ckpt/data/9", f32([1])]]), "extra.pth");
  assertEquals(extra.unreferencedStorages, ["9"]);
  assertThrows(
    () => parsePth(zip(entries.slice(0, 3)), "miss.pth"),
    Error,
    "miss.pth: storage ckpt/data/1 missing",
  );
  const z = zip(entries);
  assertThrows(() => parsePth(z.subarray(0, z.length - 30), "cut.pth"), Error, "cut.pth: bad zip archive");
});

Deno.test("legacy checkpoint: magic/protocol/sys_info, storages after the pickle with int64 counts", () => {
  const header = new Uint8Array([
    ...[0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e], // magic number
    ...[0x80, 2, 0x4d, 0xe9, 0x03, 0x2e], // protocol 1001
    ...new Pickle().op(0x7d).str("little_endian").op(0x88, 0x73).bytes(),
  ]);
  const keys = new Pickle().op(0x5d, 0x28).str("0").str("1").str("2").op(0x65).bytes();
  const raw: number[] = [];
  for (const [k, numel] of [["0", 6], ["1", 3], ["2", 2]] as const) {
    raw.push(...i64([BigInt(numel)]), ...STORAGE[k]);
  }
  const file = new Uint8Array([...header, ...checkpointPickle(true), ...keys, ...raw]);
  const c = parsePth(file, "legacy.pth");
  assertEquals(c.format, "legacy");
  assertEquals(c.unreferencedStorages, []);
  checkContents(c);
  assertThrows(
    () => parsePth(file.subarray(0, file.length - 3), "short.pth"),
    Error,
    "short.pth: truncated storage 2",
  );
  const badMagic = file.slice();
  badMagic[5] ^= 1;
  assertThrows(() => parsePth(badMagic, "m.pth"), Error, "bad magic");
});

Deno.test("garbage and unsupported pickles give clear errors", async () => {
  assertThrows(
    () => parsePth(new TextEncoder().encode("hello"), "g.pth"),
    Error,
    "g.pth: not a PyTorch checkpoint",
  );
  assertThrows(
    () => parsePth(zip([["a/data.pkl", new Uint8Array([0x80, 2, 0xff, 0x2e])]]), "op.pth"),
    Error,
    "unsupported opcode 0xff",
  );
  await assertRejects(() => readPth("/nonexistent/x.pth"), Error, "/nonexistent/x.pth");
});

function findPth(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...findPth(p));
    else if (e.name.endsWith(".pth")) out.push(p);
  }
  return out.sort();
}

const PRETRAINED = sharedPath("pretrained");

Deno.test({
  name: "every shared .pth loads fully: finite float tensors, no unreferenced storage (keys logged)",
  ignore: !PRETRAINED,
  fn: async () => {
    const files = findPth(PRETRAINED!);
    assert(files.length >= 19, `found ${files.length} .pth files`);
    for (const f of files) {
      const c = await readPthFull(f);
      assert(c.tensors.size > 0, `${f}: no tensors`);
      assertEquals(c.unreferencedStorages, [], f);
      console.log(`== ${relative(sharedDataDir()!, f)} (${c.format}, ${c.tensors.size} tensors)`);
      for (const [k, t] of c.tensors) {
        console.log(`   ${k} ${t.dtype} [${t.shape}]`);
        assertEquals(t.data.length, t.shape.reduce((a, b) => a * b, 1), `${f} ${k}`);
        if (t.data instanceof Float32Array) {
          assert(t.data.every(Number.isFinite), `${f} ${k}: non-finite values`);
        }
      }
    }
  },
});

Deno.test({
  name: "known checkpoints: 3DLUT LUTs, SR-LUT Model_S (pickled module), CLUT-Net, HashLUT, MuLUT",
  ignore: !PRETRAINED,
  fn: async () => {
    const lut = await readPth(join(PRETRAINED!, "image_adaptive_3dlut", "sRGB", "LUTs.pth"));
    assertEquals([...lut.keys()].sort(), ["0.LUT", "1.LUT", "2.LUT"]);
    for (const t of lut.values()) assertEquals(t.shape, [3, 33, 33, 33]);
    const s = await readPth(join(PRETRAINED!, "srlut", "2_Transfer_to_LUT", "Model_S.pth"));
    assertEquals(s.size, 12);
    assertEquals(s.get("conv1.weight")!.shape, [64, 1, 2, 2]);
    assertEquals(s.get("conv6.weight")!.shape, [16, 64, 1, 1]);
    const clut = await readPth(
      join(PRETRAINED!, "clutnet_hashlut", "FiveK", "CLUTNet_20+05+10", "model0310.pth"),
    );
    assertEquals(clut.get("CLUTs.LUTs")!.shape, [300, 10]);
    assertEquals(clut.get("CLUTs.s_Layers")!.shape, [33, 5]);
    assertEquals(clut.get("CLUTs.w_Layers")!.shape, [10, 1089]);
    const hash = await readPth(
      join(PRETRAINED!, "clutnet_hashlut", "FiveK", "HashLUT_7+13", "model0299.pth"),
    );
    assertEquals(hash.get("hashluts.params")!.shape, [84352]);
    const mulut = await readPthFull(join(PRETRAINED!, "mulut", "sr_x2sdy", "Model_200000.pth"));
    assertEquals(mulut.tensors.size, 72);
    assertEquals(mulut.tensors.get("s1_y.model.conv1.conv.weight")!.shape, [64, 1, 1, 4]);
  },
});
