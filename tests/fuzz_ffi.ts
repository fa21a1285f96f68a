/**
 * FFI fuzz (run by tests/fuzz_formats.test.ts as a subprocess, under the AddressSanitizer build of the
 * kernels when it exists): for every native op, seeded valid calls with random small shapes and hostile
 * values (NaN, ±Inf, out of range) must return finite results, and calls with one argument replaced by a
 * wrong typed array (Uint8Array, Float64Array, Int32Array, a plain Array, one value too many or too few),
 * a bad size (NaN, -1, 1.5, 2^31) or a mode such as "toString" must throw an Error naming that argument.
 * Prints one JSON line {op: {cases, value, error, bad, badCases}}; exits 1 when a case is bad (a memory
 * error under ASan aborts the process instead).
 * Usage: deno run -A tests/fuzz_ffi.ts [--seed N] [--rounds N]
 */
import { Rng } from "../lib/core/rng.ts";
import { applyLut3d, applyLut3dU16, applyLut3dU8, lut3dBackward } from "../lib/lut/lut3d.ts";
import { applyLut1d, lut1dBackward } from "../lib/lut/lut1d.ts";
import { simplexBackward, simplexLookup, simplexRotationEnsemble } from "../lib/lut/simplex.ts";
import { compressDfc, dfcLookup } from "../lib/lut/dfc.ts";
import { hashGridEncode, hashGridTableGrad } from "../lib/lut/hashgrid.ts";
import { hashGridLevels } from "../lib/lut/hashgrid_ref.ts";
import { convFilterGrad, convInputGrad } from "../lib/nn/conv.ts";
import { type Tally, tally } from "./fuzz_util.ts";

type Args = Record<string, unknown>;
/** One op: valid arguments for random small shapes, the call, and the argument names fuzzed. */
type Op = {
  make(rng: Rng): Args;
  call(a: Args): unknown;
  arrays: string[];
  sizes?: string[];
  modes?: string[];
};

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
/** Random float32 data, with NaN, ±Inf and out-of-range values mixed in when `hostile`. */
function data(rng: Rng, n: number, scale = 1, hostile = true): Float32Array {
  const special = [NaN, Infinity, -Infinity, -1e30, 1e30, -0.5, 1.5];
  return Float32Array.from(
    { length: n },
    () => hostile && rng.next() < 0.05 ? special[int(rng, 0, special.length - 1)] : rng.next() * scale,
  );
}
const F = (a: Args, k: string) => a[k] as Float32Array;
const N = (a: Args, k: string) => a[k] as number;

const MODES = ["trilinear", "tetrahedral"] as const;
const OFFSETS = {
  2: [[0, 0], [0, 1]],
  3: [[0, 0], [0, 1], [1, 0]],
  4: [[0, 0], [0, 1], [1, 0], [1, 1]],
} as const;

function lut3dArgs(rng: Rng): Args {
  const batch = int(rng, 1, 2), height = int(rng, 1, 9), width = int(rng, 1, 9), dim = int(rng, 2, 9);
  const n = batch * 3 * height * width;
  return {
    batch,
    height,
    width,
    dim,
    mode: MODES[int(rng, 0, 1)],
    img: data(rng, n),
    lut: data(rng, (rng.next() < 0.5 ? 1 : batch) * 3 * dim ** 3, 1, false),
    out: new Float32Array(n),
    gradOut: data(rng, n, 1, false),
  };
}
const shape3 = (a: Args) => ({
  batch: N(a, "batch"),
  height: N(a, "height"),
  width: N(a, "width"),
  dim: N(a, "dim"),
});

/** lut3dArgs with a 1D table [1 or B,3,N] (N = size) instead of the 3D one. */
function lut1dArgs(rng: Rng): Args {
  const a = lut3dArgs(rng), size = int(rng, 2, 300);
  const lut = data(rng, (F(a, "lut").length > 3 * N(a, "dim") ** 3 ? N(a, "batch") : 1) * 3 * size, 1, false);
  return {
    ...a,
    size,
    lut,
    gradLut: new Float32Array(lut.length),
    gradImg: new Float32Array(F(a, "img").length),
  };
}
const shape1 = (a: Args) => ({
  batch: N(a, "batch"),
  height: N(a, "height"),
  width: N(a, "width"),
  size: N(a, "size"),
});

function interleavedArgs(rng: Rng, bits: 8 | 16): Args {
  const height = int(rng, 1, 9), width = int(rng, 1, 9), dim = int(rng, 2, 9), max = bits === 8 ? 255 : 65535;
  return {
    height,
    width,
    dim,
    mode: MODES[int(rng, 0, 1)],
    rgb: (bits === 8 ? new Uint8Array(3 * height * width) : new Uint16Array(3 * height * width)).map(() =>
      int(rng, 0, max)
    ),
    lut: data(rng, 3 * dim ** 3, 1, false),
  };
}

function simplexArgs(rng: Rng, intervalBits = 6): Args {
  const n = int(rng, 2, 4) as 2 | 3 | 4, K = int(rng, 1, 4), L = 2 ** (8 - intervalBits) + 1;
  const planes = int(rng, 1, 2), height = int(rng, 2, 8), width = int(rng, 2, 8);
  const int8 = rng.next() < 0.5;
  const rows = L ** n * K;
  const tableData = int8
    ? Int8Array.from({ length: rows }, () => int(rng, -128, 127))
    : data(rng, rows, 100, false);
  return {
    n,
    K,
    planes: data(rng, planes * height * width, 300),
    shape: { planes, height, width },
    table: { n, intervalBits, outputs: K, data: tableData },
  };
}
/** Output length of a lookup over the padded planes (pattern reach: (0,1) for n = 2, else (1,1)). */
const outLen = (a: Args) => {
  const s = a.shape as { planes: number; height: number; width: number }, py = N(a, "n") === 2 ? 0 : 1;
  return s.planes * (s.height - py) * (s.width - 1) * N(a, "K");
};

const levels = hashGridLevels({
  levels: 4,
  featuresPerLevel: 2,
  log2TableSize: 8,
  baseResolution: 4,
  maxResolution: 32,
});

function convArgs(rng: Rng): Args {
  const n = int(rng, 1, 2), h = int(rng, 2, 7), w = int(rng, 2, 7), ci = int(rng, 1, 3), co = int(rng, 1, 3);
  const kh = int(rng, 1, 3), kw = kh, g = { n, h, w, ci, kh, kw, co, ho: h, wo: w, stride: 1 };
  const geom = { ...g, top: Math.floor((kh - 1) / 2), left: Math.floor((kw - 1) / 2) };
  return {
    g: geom,
    x: data(rng, n * h * w * ci, 1, false),
    dy: data(rng, n * h * w * co, 1, false),
    w: data(rng, kh * kw * ci * co, 1, false),
    dw: new Float32Array(kh * kw * ci * co),
    dx: new Float32Array(n * h * w * ci),
  };
}

/** applyLut3dU8 or applyLut3dU16 as an Op. */
function interleavedOp(bits: 8 | 16): Op {
  const apply = bits === 8 ? applyLut3dU8 : applyLut3dU16;
  return {
    make: (rng) => interleavedArgs(rng, bits),
    call: (a) =>
      apply(a.rgb as never, N(a, "height"), N(a, "width"), F(a, "lut"), N(a, "dim"), a.mode as "trilinear"),
    arrays: ["rgb", "lut"],
    sizes: ["height", "width", "dim"],
    modes: ["mode"],
  };
}

const OPS: Record<string, Op> = {
  applyLut3d: {
    make: lut3dArgs,
    call: (a) => applyLut3d(F(a, "img"), F(a, "lut"), shape3(a), a.mode as "trilinear", F(a, "out")),
    arrays: ["img", "lut", "out"],
    sizes: ["batch", "height", "width", "dim"],
    modes: ["mode"],
  },
  lut3dBackward: {
    make: (rng) => {
      const a = lut3dArgs(rng);
      return {
        ...a,
        gradLut: new Float32Array(F(a, "lut").length),
        gradImg: new Float32Array(F(a, "img").length),
      };
    },
    call: (a) =>
      lut3dBackward(F(a, "img"), F(a, "lut"), F(a, "gradOut"), shape3(a), a.mode as "trilinear", {
        gradLut: F(a, "gradLut"),
        gradImg: F(a, "gradImg"),
      }).gradLut,
    arrays: ["img", "lut", "gradOut", "gradLut", "gradImg"],
    sizes: ["batch", "height", "width", "dim"],
    modes: ["mode"],
  },
  applyLut1d: {
    make: lut1dArgs,
    call: (a) => applyLut1d(F(a, "img"), F(a, "lut"), shape1(a), F(a, "out")),
    arrays: ["img", "lut", "out"],
    sizes: ["batch", "height", "width", "size"],
  },
  lut1dBackward: {
    make: lut1dArgs,
    call: (a) =>
      lut1dBackward(F(a, "img"), F(a, "lut"), F(a, "gradOut"), shape1(a), {
        gradLut: F(a, "gradLut"),
        gradImg: F(a, "gradImg"),
      }).gradLut,
    arrays: ["img", "lut", "gradOut", "gradLut", "gradImg"],
    sizes: ["batch", "height", "width", "size"],
  },
  applyLut3dU8: interleavedOp(8),
  applyLut3dU16: interleavedOp(16),
  simplexLookup: {
    make: (rng) => {
      const a = simplexArgs(rng);
      return { ...a, out: new Float32Array(outLen(a)) };
    },
    call: (a) =>
      simplexLookup(F(a, "planes"), a.shape as never, OFFSETS[N(a, "n") as 2], a.table as never, {
        out: a.out as Float32Array | undefined,
      }),
    arrays: ["planes", "table", "out"],
  },
  simplexBackward: {
    make: (rng) => {
      const a = simplexArgs(rng);
      const t = a.table as { data: Int8Array | Float32Array };
      const table = { ...(a.table as object), data: Float32Array.from(t.data) };
      return { ...a, table, gradOut: data(rng, outLen(a), 1, false) };
    },
    call: (a) =>
      simplexBackward(
        F(a, "planes"),
        a.shape as never,
        OFFSETS[N(a, "n") as 2],
        a.table as never,
        F(a, "gradOut"),
      ).gradTable,
    arrays: ["planes", "table", "gradOut"],
  },
  simplexRotationEnsemble: {
    make: (rng) => {
      const a = simplexArgs(rng);
      const t = a.table as { n: number; data: Int8Array | Float32Array }, rows = 5 ** t.n * 4;
      const tableData = t.data instanceof Int8Array
        ? Int8Array.from({ length: rows }, () => int(rng, -128, 127))
        : data(rng, rows, 50, false);
      const s = a.shape as { planes: number; height: number; width: number };
      const out = new Float32Array(s.planes * s.height * s.width * 4);
      return { ...a, table: { ...t, outputs: 4, data: tableData }, out };
    },
    call: (a) =>
      simplexRotationEnsemble(F(a, "planes"), a.shape as never, OFFSETS[N(a, "n") as 2], a.table as never, {
        upscale: 2,
        pad: "edge",
        out: a.out as Float32Array | undefined,
      }),
    arrays: ["planes", "table", "out"],
  },
  dfcLookup: {
    make: (rng) => {
      const a = simplexArgs(rng);
      const lut = compressDfc(a.table as never, { diagonalWidth: int(rng, 0, 2), samplingInterval: 7 });
      return { ...a, lut, out: new Float32Array(outLen(a)) };
    },
    call: (a) =>
      dfcLookup(F(a, "planes"), a.shape as never, OFFSETS[N(a, "n") as 2], a.lut as never, {
        out: a.out as Float32Array | undefined,
      }),
    arrays: ["planes", "out"],
  },
  hashGridEncode: {
    make: (rng) => {
      const batch = int(rng, 1, 2), height = int(rng, 1, 6), width = int(rng, 1, 6);
      return {
        batch,
        height,
        width,
        rgb: data(rng, batch * 3 * height * width),
        table: data(rng, levels.tableLength, 0.1, false),
      };
    },
    call: (a) =>
      hashGridEncode(F(a, "rgb"), N(a, "batch"), N(a, "height"), N(a, "width"), F(a, "table"), levels),
    arrays: ["rgb", "table"],
    sizes: ["batch", "height", "width"],
  },
  hashGridTableGrad: {
    make: (rng) => {
      const batch = int(rng, 1, 2), height = int(rng, 1, 6), width = int(rng, 1, 6);
      const LF = levels.spec.levels * levels.spec.featuresPerLevel;
      return {
        batch,
        height,
        width,
        rgb: data(rng, batch * 3 * height * width),
        gradOut: data(rng, batch * LF * height * width, 1, false),
      };
    },
    call: (a) =>
      hashGridTableGrad(F(a, "rgb"), N(a, "batch"), N(a, "height"), N(a, "width"), F(a, "gradOut"), levels),
    arrays: ["rgb", "gradOut"],
    sizes: ["batch", "height", "width"],
  },
  convFilterGrad: {
    make: convArgs,
    call: (a) => convFilterGrad(F(a, "x"), F(a, "dy"), a.g as never, F(a, "dw")),
    arrays: ["x", "dy", "dw"],
  },
  convInputGrad: {
    make: convArgs,
    call: (a) => convInputGrad(F(a, "dy"), F(a, "w"), a.g as never, F(a, "dx")),
    arrays: ["dy", "w", "dx"],
  },
};

/** Wrong versions of a typed array of `n` values. */
function wrongArrays(n: number): [string, unknown][] {
  return [
    ["Uint8Array", new Uint8Array(n)],
    ["Float64Array", new Float64Array(n)],
    ["Int32Array", new Int32Array(n)],
    ["Array", Array.from({ length: n }, () => 0)],
    ["one value more", new Float32Array(n + 1)],
    ["one value less", new Float32Array(Math.max(0, n - 1))],
  ];
}

/** A LUT object ({n, ..., data}) whose `data` is the fuzzed array, as opposed to a bare array. */
const isLutObject = (v: unknown) =>
  !ArrayBuffer.isView(v) && typeof v === "object" && v !== null && "data" in v;

/** Replaces argument `slot` of `a` (a LUT object's data) by `v`. */
function replace(a: Args, slot: string, v: unknown): Args {
  return { ...a, [slot]: isLutObject(a[slot]) ? { ...(a[slot] as object), data: v } : v };
}

/** The array in argument `slot` (a LUT object's data). */
function arrayOf(a: Args, slot: string): ArrayLike<number> {
  const v = a[slot];
  return isLutObject(v) ? (v as { data: ArrayLike<number> }).data : v as ArrayLike<number>;
}

/** Whether error `msg` names argument `slot` (the LUT size `dim` is called "LUT size D"). */
const names = (msg: string, slot: string) =>
  new RegExp(slot === "dim" ? "LUT size D" : `\\b${slot}\\b`).test(msg);

/** Runs every op `rounds` times; returns the tallies. */
export function fuzzFfi(seed: number, rounds: number): Record<string, Tally> {
  const rng = new Rng(seed);
  const out: Record<string, Tally> = {};
  for (const [name, op] of Object.entries(OPS)) {
    const t = out[name] = tally();
    const bad = (label: string, why: string) => (t.bad++, t.badCases.push(`${label}: ${why}`));
    for (let r = 0; r < rounds; r++) {
      const a = op.make(rng);
      t.cases++;
      try {
        const v = op.call(a) as ArrayLike<number>;
        if (Array.from(v).every(Number.isFinite)) t.value++;
        else bad(`${name} valid #${r}`, "non-finite output");
      } catch (e) {
        bad(`${name} valid #${r}`, `threw ${(e as Error).message}`);
      }
      const wrongs: [string, string, unknown][] = [];
      for (const slot of op.arrays) {
        const orig = arrayOf(a, slot);
        for (const [k, v] of wrongArrays(orig.length)) {
          if ((v as object).constructor !== orig.constructor || k.startsWith("one")) {
            wrongs.push([slot, k, v]);
          }
        }
      }
      for (const slot of op.sizes ?? []) {
        for (const v of [NaN, -1, 0, 1.5, 2 ** 31, "3"]) wrongs.push([slot, String(v), v]);
      }
      for (const slot of op.modes ?? []) {
        for (const v of ["toString", "constructor", "__proto__", "", 1]) wrongs.push([slot, String(v), v]);
      }
      // The first round tries every wrong argument, later rounds one at random.
      const picks = r === 0 ? wrongs : [wrongs[int(rng, 0, wrongs.length - 1)]];
      for (const [slot, kind, v] of picks) {
        const label = `${name} ${slot} = ${kind} #${r}`;
        t.cases++;
        try {
          op.call(replace(a, slot, v));
          bad(label, "accepted");
        } catch (e) {
          const msg = e instanceof Error ? e.message : "";
          if (e instanceof Error && names(msg, slot)) t.error++;
          else bad(label, `unclear error: ${e instanceof Error ? msg : String(e)}`);
        }
      }
    }
  }
  return out;
}

if (import.meta.main) {
  const arg = (k: string, d: number) => {
    const i = Deno.args.indexOf(k);
    return i < 0 ? d : Number(Deno.args[i + 1]);
  };
  const res = fuzzFfi(arg("--seed", 1), arg("--rounds", 40));
  console.log(JSON.stringify(res));
  Deno.exit(Object.values(res).some((t) => t.bad > 0) ? 1 : 0);
}
