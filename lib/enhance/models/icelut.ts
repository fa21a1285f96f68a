/**
 * ICELUT (Yang et al., ECCV 2024, "Taming Lookup Tables for Efficient Image Retouching") in its released
 * pure-LUT form: the network is replaced by tables, and inference is table lookups plus one 3D LUT apply.
 * Pipeline of the original's inference_demo.py, step for step:
 *   1. 8-bit pixels v split into MSB = floor(v/16)/16 and LSB = (v mod 16)/16, each resized to 32x32
 *      (bilinear, align_corners=False, no antialias) and rounded to 1/16: q in 0..15 per channel.
 *   2. Point-wise feature LUTs: Model_msb/lsb_fp32 [4096,10,1,1] at index q_r*256 + q_g*16 + q_b; the two
 *      are added and averaged over the 32x32 pixels, then rounded to 1/2 and clamped to [-16, 15.5].
 *   3. Classifier LUT: the 10 features form 5 pairs (a, b); m = 2x + 32 in 0..63; classifier_int8
 *      [5*4096,10] row k*4096 + m_a*64 + m_b gives (int8 - 32)/4, the subtraction in int8 as the original
 *      does it (wrapping: -100 - 32 = 124); the 5 rows are summed: 10 weights.
 *   4. Basis_lut.npy (a pickled dict of torch tensors s [33,5], w [10,1089], Basis_LUT [150,10]) is the
 *      CLUT-Net "++" compressed bank of 10 residual 3D LUTs (reconstructLutsRef, cube_to_lut included).
 *   5. out = trilinear(sum_i w_i LUT_i, img) + img. Trilinear interpolation is linear in the LUT and
 *      reproduces the identity lattice exactly, so this equals one 3D LUT: identity + sum_i w_i LUT_i,
 *      which is what `fusedLut` returns and what the .cube export writes (exact up to float rounding and
 *      the original kernel's binsize 1.000001/(D-1) instead of 1/(D-1)).
 * Nothing in ICELUT's lookups is trained in this form; the network that produced the tables (PointWise
 * backbone + SplitFC) has no released checkpoint.
 */
import { join } from "@std/path";
import { parseNpy } from "../../formats/npy.ts";
import { parsePickle } from "../../formats/pth.ts";
import { readBytes } from "../../core/read.ts";
import type { Image } from "../../image/image.ts";
import { resizeBilinear } from "../../image/resize.ts";
import { reconstructLutsRef } from "./clut.ts";
import { applyLut3dImage } from "../../lut/lut3d.ts";

/** ICELUT's sizes: 10 basis LUTs of 33^3, S = 5, W = 10; 32x32 thumbnails; 5 classifier pairs. */
export const ICELUT = { luts: 10, dim: 33, s: 5, w: 10, thumb: 32, pairs: 5, features: 10 } as const;

/** The released tables: feature LUTs [4096*10], classifier [5*4096*10] int8, basis LUTs [10,3,33,33,33]. */
export type IceLutTables = {
  msb: Float32Array;
  lsb: Float32Array;
  classifier: Int8Array;
  /** the 10 residual basis LUTs lut[n][c][b][g][r], reconstructed from the compressed bank */
  basis: Float32Array;
  /** table entries (float and int8 values) of the four files */
  entries: number;
  /** bytes of the four .npy files */
  bytes: number;
};

/** The four released files of ICELUT's LUT form. */
export const ICELUT_FILES = [
  "Model_msb_fp32.npy",
  "Model_lsb_fp32.npy",
  "classifier_int8.npy",
  "Basis_lut.npy",
];

function expectShape(file: string, got: number[], want: number[]): void {
  if (got.join() !== want.join()) {
    throw new Error(`${file}: shape [${got}], expected [${want}]`);
  }
}

/** Payload offset of an object-dtype (descr '|O') .npy, whose data is a pickle. */
function objectNpyPayload(bytes: Uint8Array, file: string): number {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((m, i) => bytes[i] === m)) {
    throw new Error(`${file}: not a .npy file`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const v1 = bytes[6] === 1;
  const len = v1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = (v1 ? 10 : 12) + len;
  const header = new TextDecoder().decode(bytes.subarray(v1 ? 10 : 12, start));
  if (!/'descr':\s*'\|O'/.test(header)) {
    throw new Error(`${file}: expected an object array (descr '|O'): ${header}`);
  }
  return start;
}

/** Reads ICELUT's four .npy files from `dir` (shapes checked, errors name the file). */
export async function readIceLut(dir: string): Promise<IceLutTables> {
  const { luts, dim, s, w, pairs, features } = ICELUT;
  const load = async (name: string) => {
    const file = join(dir, name);
    return { file, bytes: await readBytes(file, "ICELUT table") };
  };
  const [msbF, lsbF, clsF, basisF] = await Promise.all(ICELUT_FILES.map(load));
  const feature = (f: { file: string; bytes: Uint8Array }) => {
    const a = parseNpy(f.bytes, f.file);
    expectShape(f.file, a.shape, [4096, features, 1, 1]);
    if (a.dtype !== "float32") throw new Error(`${f.file}: dtype ${a.dtype}, expected float32`);
    return a.data as Float32Array;
  };
  const cls = parseNpy(clsF.bytes, clsF.file);
  expectShape(clsF.file, cls.shape, [pairs * 4096, features]);
  if (cls.dtype !== "int8") throw new Error(`${clsF.file}: dtype ${cls.dtype}, expected int8`);
  const bank = parsePickle(basisF.bytes, basisF.file, objectNpyPayload(basisF.bytes, basisF.file)).tensors;
  const get = (key: string, shape: number[]) => {
    const t = bank.get(key);
    if (!t) throw new Error(`${basisF.file}: missing key ${key} (has ${[...bank.keys()].join(", ")})`);
    expectShape(`${basisF.file}: ${key}`, t.shape, shape);
    return t.data as Float32Array;
  };
  const ms = get("0.s", [dim, s]), mw = get("0.w", [w, dim * dim]), c = get("0.Basis_LUT", [s * luts * 3, w]);
  if (bank.size !== 3) throw new Error(`${basisF.file}: ${bank.size} tensors, expected s, w, Basis_LUT`);
  const msb = feature(msbF), lsb = feature(lsbF);
  return {
    msb,
    lsb,
    classifier: cls.data as Int8Array,
    basis: reconstructLutsRef(ms, mw, c, { luts, dim, s, w }),
    entries: msb.length + lsb.length + cls.data.length + ms.length + mw.length + c.length,
    bytes: [msbF, lsbF, clsF, basisF].reduce((a, f) => a + f.bytes.length, 0),
  };
}

/** Round half to even (torch.round). */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Quantised nibble planes of an RGB image (planar [3,H,W], values in [0,1]): the 32x32 MSB and LSB
 * thumbnails as integers q in 0..15, planar [3,32,32] each (steps 1 of the module doc).
 */
export function iceLutNibbles(img: Image): { msb: Uint8Array; lsb: Uint8Array } {
  if (img.channels !== 3) throw new Error(`ICELUT: image has ${img.channels} channels, expected 3 (RGB)`);
  const { height: H, width: W } = img,
    n = img.data.length,
    hi = new Float32Array(n),
    lo = new Float32Array(n);
  const t = ICELUT.thumb;
  // only the rows the bilinear resize reads (source row max((y + 0.5) * H / t - 0.5, 0) and the next) matter
  const rows = new Set<number>();
  for (let y = 0; y < t; y++) {
    const r = Math.floor(Math.max((H / t) * (y + 0.5) - 0.5, 0));
    rows.add(r).add(Math.min(r + 1, H - 1));
  }
  for (let c = 0; c < 3; c++) {
    for (const r of rows) {
      for (let i = (c * H + r) * W, end = i + W; i < end; i++) {
        const v = Math.min(255, Math.max(0, Math.round(img.data[i] * 255)));
        hi[i] = Math.floor(v / 16) / 16;
        lo[i] = (v % 16) / 16;
      }
    }
  }
  const q = (data: Float32Array) => {
    const r = resizeBilinear({ ...img, data }, t, t).data;
    return Uint8Array.from(r, (x) => Math.min(15, Math.max(0, roundEven(Math.fround(x * 16)))));
  };
  return { msb: q(hi), lsb: q(lo) };
}

/** The 10 basis weights of an image (steps 1-3 of the module doc). */
export function iceLutWeights(t: IceLutTables, img: Image): Float32Array {
  const { thumb, features: F, pairs } = ICELUT;
  const { msb, lsb } = iceLutNibbles(img);
  const P = thumb * thumb, feat = new Float64Array(F);
  for (let p = 0; p < P; p++) {
    const im = msb[p] * 256 + msb[P + p] * 16 + msb[2 * P + p];
    const il = lsb[p] * 256 + lsb[P + p] * 16 + lsb[2 * P + p];
    for (let f = 0; f < F; f++) feat[f] += Math.fround(t.msb[im * F + f] + t.lsb[il * F + f]);
  }
  const m = Array.from(
    feat,
    (x) => Math.min(15.5, Math.max(-16, roundEven(Math.fround(x / P) * 2) / 2)) * 2 + 32,
  );
  const weights = new Float32Array(F);
  for (let k = 0; k < pairs; k++) {
    const row = (k * 4096 + m[2 * k] * 64 + m[2 * k + 1]) * F;
    // int8 - 32 is int8 arithmetic in the original (torch keeps the dtype): it wraps below -96
    for (let f = 0; f < F; f++) weights[f] += (((t.classifier[row + f] - 32 + 384) % 256) - 128) / 4;
  }
  return weights;
}

/** Identity + sum_i weights[i] * basis[i]: the image's 3D LUT [3,33,33,33] (lut[c][b][g][r]). */
export function iceLutFused(t: IceLutTables, weights: Float32Array): Float32Array {
  const d = ICELUT.dim, one = 3 * d ** 3, lut = new Float32Array(one);
  for (let i = 0; i < d ** 3; i++) {
    lut[i] = (i % d) / (d - 1);
    lut[d ** 3 + i] = (Math.floor(i / d) % d) / (d - 1);
    lut[2 * d ** 3 + i] = Math.floor(i / (d * d)) / (d - 1);
  }
  for (let n = 0; n < weights.length; n++) {
    for (let i = 0; i < one; i++) lut[i] += weights[n] * t.basis[n * one + i];
  }
  return lut;
}

/** ICELUT on one RGB image: output (trilinear, clamped to [0,1]), its fused LUT and basis weights. */
export function iceLutEnhance(
  t: IceLutTables,
  img: Image,
): { out: Image; lut: Float32Array; weights: Float32Array } {
  const weights = iceLutWeights(t, img);
  const lut = iceLutFused(t, weights);
  return { out: applyLut3dImage(img, lut, ICELUT.dim, "trilinear"), lut, weights };
}
