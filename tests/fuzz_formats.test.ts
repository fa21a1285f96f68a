/**
 * Fuzz suite (issue 10): seeded mutations of REAL files of every format we read — .pth checkpoints
 * (legacy and zip) and SR-LUT .npy tables from the shared data, a .npy slice of a real table written by
 * our writer, a .cube written by our exporter, BMP and PNG images — with truncation, bit flips, hostile
 * size fields, wrong magic, deleted/duplicated chunks and hostile number tokens. Each case runs in a
 * Worker under a per-case time limit (tests/fuzz_util.ts) and must end in a self-consistent value or an
 * Error naming the file; never a hang, a non-Error throw or an unnamed error, and the process's memory
 * must stay bounded. Then the FFI fuzz (tests/fuzz_ffi.ts) runs as a subprocess against the
 * AddressSanitizer build of the kernels when `deno task test` has built it (kernels/build.ts --sanitize).
 * Prints per-parser counts: cases, ok-value, clear-error, bad (must be 0).
 */
import { assert, assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join } from "@std/path";
import { Rng } from "../lib/core/rng.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { unzipStored } from "../lib/formats/zip.ts";
import { encodeNpy, parseNpy } from "../lib/formats/npy.ts";
import { cubeTitle, formatCubeFile, writeCube } from "../lib/formats/cube.ts";
import { lutToHald } from "../lib/formats/hald.ts";
import { format3dl } from "../lib/formats/lut3dl.ts";
import { encodeImage } from "../lib/image/io.ts";
import { retouchLut } from "../lib/data/retouch.ts";
import {
  CaseRunner,
  count,
  mutate,
  mutatePickle,
  mutateText,
  pickleIntOps,
  type Tally,
  tally,
} from "./fuzz_util.ts";
import type { Parser } from "./fuzz_worker.ts";

const SEED = 20261203;
/** Resident-memory growth allowed over the whole suite (the largest real file is ~200 KB). */
const MAX_RSS_GROWTH = 512 * 2 ** 20;

const tallies = new Map<string, Tally>();
const runner = new CaseRunner(10_000);

/**
 * A real file to mutate: its label (the name errors must contain), bytes, where its structure lies, its
 * pickle's integer opcodes (half the cases replace one by a hostile value), whether it is text.
 */
type Seed = { label: string; bytes: Uint8Array; focus?: [number, number]; ops?: number[]; text?: boolean };

/** Fuzzes `cases` mutations of each seed with `parser`; the unmutated seed must parse to a value. */
async function fuzz(
  parser: Parser,
  group: string,
  seeds: Seed[],
  cases: number,
  seed: number,
): Promise<void> {
  const t = tallies.get(group) ?? tally();
  tallies.set(group, t);
  const rng = new Rng(seed);
  for (const s of seeds) {
    const orig = await runner.run(parser, s.label, s.bytes);
    assertEquals(orig.outcome, "value", `${s.label} unmutated: ${orig.detail}`);
    for (let i = 0; i < cases; i++) {
      const m = s.text
        ? mutateText(s.bytes, rng, s.focus)
        : s.ops?.length && rng.next() < 0.5
        ? mutatePickle(s.bytes, rng, s.ops)
        : mutate(s.bytes, rng, s.focus);
      const name = `${s.label}#${i}`;
      count(t, `${name} (${m.what})`, await runner.run(parser, name, m.bytes));
    }
  }
  console.log(`${group}: RSS growth so far ${(runner.peakRssGrowth / 2 ** 20).toFixed(0)} MiB`);
  assertEquals(t.badCases, [], `${group}: bad cases`);
}

async function shared(...parts: string[]): Promise<Uint8Array | undefined> {
  const p = sharedPath(...parts);
  return p ? await Deno.readFile(p) : undefined;
}

const skip = (what: string) => console.log(`fuzz ${what}: skipped (shared data absent: set LUTLAB_DATA)`);

Deno.test("fuzz .pth: mutated real checkpoints (legacy pickle and zip) end in a value or a clear error", async () => {
  const legacy = await shared("pretrained", "srlut", "2_Transfer_to_LUT", "Model_S.pth");
  const zip = await shared("pretrained", "seplut", "SepLUT-FiveK-sRGB-M6#3D9#1D9.pth");
  if (!legacy || !zip) return skip(".pth");
  // The pickle is where sizes, strides and offsets live: most mutations go there.
  const legacyPickle: [number, number] = [0, Math.min(legacy.length, 16384)];
  const pkl = [...unzipStored(zip, "seed").entries()].find(([k]) => k.endsWith("/data.pkl"))![1]();
  const zipPickle: [number, number] = [pkl.byteOffset, pkl.byteOffset + pkl.length];
  await fuzz(
    "pth",
    ".pth",
    [
      {
        label: "Model_S.pth",
        bytes: legacy,
        focus: legacyPickle,
        ops: pickleIntOps(legacy, ...legacyPickle),
      },
      { label: "SepLUT-M6.pth", bytes: zip, focus: zipPickle, ops: pickleIntOps(zip, ...zipPickle) },
    ],
    500,
    SEED,
  );
});

Deno.test("fuzz .npy: mutated SR-LUT tables and a slice written by encodeNpy", async () => {
  const s8 = await shared("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x4_8bit_int8.npy");
  const s7 = await shared("pretrained", "srlut", "3_Test_using_LUT", "Model_S_x4_7bit_int8.npy");
  const basis = await shared("pretrained", "icelut", "Model_lsb_fp32.npy");
  if (!s8 || !s7 || !basis) return skip(".npy");
  // A small float slice of a real table, through our writer (and a temp file, as the CLI reads it).
  const src = parseNpy(basis, "Model_lsb_fp32.npy");
  const n = Math.min(src.data.length, 96);
  const dir = await Deno.makeTempDir();
  const file = join(dir, "slice.npy");
  await Deno.writeFile(file, encodeNpy({ dtype: src.dtype, shape: [n], data: src.data.slice(0, n) }));
  const slice = await Deno.readFile(file);
  await Deno.remove(dir, { recursive: true });
  const header = (b: Uint8Array): [number, number] => [0, 10 + (b[8] | (b[9] << 8))];
  const seeds = [
    { label: "Model_S_x4_8bit_int8.npy", bytes: s8, focus: header(s8) },
    { label: "Model_S_x4_7bit_int8.npy", bytes: s7, focus: header(s7) },
    { label: "slice.npy", bytes: slice, focus: header(slice) },
  ];
  await fuzz("npy", ".npy", seeds, 200, SEED + 1);
  await fuzz("npy", ".npy (header text)", seeds.map((s) => ({ ...s, text: true })), 100, SEED + 2);
});

Deno.test("fuzz .cube: mutated exporter output (hostile numbers, lines, bytes)", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "retouch9.cube");
  await writeCube(file, { title: cubeTitle('lutlab "retouch" 9'), size: 9, lut: retouchLut(9) });
  const text = await Deno.readTextFile(file);
  await Deno.remove(dir, { recursive: true });
  const bytes = new TextEncoder().encode(text);
  await fuzz(
    "cube",
    ".cube",
    [{ label: "retouch9.cube", bytes, text: true, focus: [0, 200] }],
    500,
    SEED + 3,
  );
});

Deno.test("fuzz LUT files: mutated 1D and shaper .cube, .3dl and Hald CLUT PNG written by our writers", async () => {
  const r = new Rng(SEED + 10);
  const curve = Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 64) / 63 + 0.01 * r.next());
  const lut = retouchLut(5);
  const text = (s: string) => ({
    bytes: new TextEncoder().encode(s),
    text: true,
    focus: [0, 160] as [number, number],
  });
  const seeds = [
    {
      label: "curve64.cube",
      ...text(formatCubeFile({ title: "c", lut1d: { size: 64, lut: curve, domainMin: [-0.1, 0, 0] } })),
    },
    {
      label: "shaper.cube",
      ...text(
        formatCubeFile({
          interpolation: "tetrahedral",
          lut1d: { size: 64, lut: curve },
          lut3d: { size: 5, lut },
        }),
      ),
    },
  ];
  await fuzz("cube", ".cube (1D, shaper)", seeds, 300, SEED + 11);
  await fuzz(
    "3dl",
    ".3dl",
    [{ label: "retouch5.3dl", ...text(format3dl(lut, 5, { bits: 12, interpolation: "trilinear" })) }],
    300,
    SEED + 12,
  );
  const hald = await encodeImage(lutToHald(retouchLut(4), 4), "png", { bits: 16 });
  await fuzz("hald", "Hald PNG", [{ label: "retouch4.png", bytes: hald, focus: [0, 64] }], 200, SEED + 13);
});

Deno.test("fuzz images: mutated real BMP (T91) and PNG (Set5/Set14)", async () => {
  const bmp = await shared("SRTrain", "T91", "t20.bmp");
  const png = await shared("SRBenchmark", "Set14", "LR_bicubic", "X4", "face.png");
  if (!bmp || !png) return skip("images");
  await fuzz("image", "BMP", [{ label: "t20.bmp", bytes: bmp, focus: [0, 54] }], 400, SEED + 4);
  await fuzz("image", "PNG", [{ label: "face.png", bytes: png, focus: [0, 64] }], 300, SEED + 5);
});

Deno.test("fuzz readers: memory stayed bounded; per-parser counts", () => {
  runner.close();
  console.log("parser               cases  ok-value  clear-error  bad");
  for (const [k, t] of tallies) {
    console.log(
      `${k.padEnd(20)} ${String(t.cases).padStart(5)} ${String(t.value).padStart(9)} ${
        String(t.error).padStart(12)
      } ${String(t.bad).padStart(4)}`,
    );
  }
  console.log(`peak RSS growth ${(runner.peakRssGrowth / 2 ** 20).toFixed(0)} MiB`);
  assert(runner.peakRssGrowth < MAX_RSS_GROWTH, `RSS grew by ${runner.peakRssGrowth} bytes`);
});

Deno.test("fuzz FFI: wrong typed arrays, sizes and modes into every op (ASan kernels when built)", async () => {
  const root = join(dirname(fromFileUrl(import.meta.url)), "..");
  const asanLib = join(root, "kernels", "build", "liblutlab_cpu_asan.so");
  const libasan = await new Deno.Command("gcc", { args: ["-print-file-name=libasan.so"] }).output()
    .then((r) => new TextDecoder().decode(r.stdout).trim(), () => "");
  const asanEnv = {
    LD_PRELOAD: libasan,
    ASAN_OPTIONS: "detect_leaks=0",
    LUTLAB_KERNEL_LIB: asanLib,
    LUTLAB_DEVICE: "cpu",
  };
  // Deno must start with the sanitizer runtime preloaded (it does on glibc Linux; probe it first).
  const sanitized = await Deno.stat(asanLib).then(() => libasan.startsWith("/"), () => false) &&
    (await new Deno.Command(Deno.execPath(), { args: ["eval", "0"], env: asanEnv, stderr: "null" }).output())
      .success;
  const env: Record<string, string> = sanitized ? asanEnv : {};
  if (!sanitized) {
    console.log(
      "fuzz FFI: AddressSanitizer build absent or not loadable (run `deno task test`): plain kernels",
    );
  }
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(root, "tests", "fuzz_ffi.ts"), "--seed", String(SEED), "--rounds", "30"],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout), err = new TextDecoder().decode(r.stderr);
  assert(
    r.success,
    `fuzz_ffi exited ${r.code}${sanitized ? " under ASan" : ""}:\n${err.slice(-4000)}\n${out}`,
  );
  const res = JSON.parse(out) as Record<string, Tally>;
  console.log(`FFI op (${sanitized ? "ASan kernels" : "plain kernels"})  cases  ok-value  clear-error  bad`);
  for (const [op, t] of Object.entries(res)) {
    console.log(
      `${op.padEnd(28)} ${String(t.cases).padStart(5)} ${String(t.value).padStart(9)} ${
        String(t.error).padStart(12)
      } ${String(t.bad).padStart(4)}`,
    );
    assertEquals(t.badCases, [], op);
  }
});
