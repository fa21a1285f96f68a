/**
 * Bench section "lut3d": 3D LUT apply throughput (megapixels per second; single-thread rows and ffmpeg: least
 * CPU time of repeated runs, multi-thread rows: median wall time) on a
 * real photo (embedded "nagasaki-boats", bilinearly upscaled to 12 MP, and downscaled to 480p) with a
 * D=33 colour-grading LUT. Measures our CPU kernel on 1 thread and on all threads (trilinear and
 * tetrahedral, forward and forward+backward), ffmpeg's lut3d filter single-threaded on planar float
 * (gbrpf32le), our TypeScript reference, and a tfjs gather-based trilinear lookup on wasm. Ratios:
 * forward per thread vs ffmpeg per thread (target 1.5x), forward+backward vs PyTorch F.grid_sample (3D,
 * trilinear, forward + LUT gradient) on as many threads, measured in the same run on 480x854 by the peer
 * script lib/bench/peer/torch_steps.py where /usr/bin/python3 has torch, else its earlier ~3 MP/s (target 20x).
 */
import { join } from "@std/path";
import { initTf, readAndDispose, tf } from "../core/backend.ts";
import { loadEmbedded } from "../data/embedded.ts";
import { writeCube } from "../formats/cube.ts";
import type { Image } from "../image/io.ts";
import { resizeBilinear } from "../image/resize.ts";
import { kernelTarget, setKernelThreads } from "../core/native.ts";
import { applyLut3d, lut3dBackward, type Lut3dMode } from "../lut/lut3d.ts";
import { lut3dForwardRef } from "../lut/lut3d_ref.ts";
import { type BenchReport, bestCpuMs, medianMs } from "./report.ts";
import { PYTHON, torchAvailable, torchStep } from "./peer/torch.ts";

const SECTION = "lut3d";
const DIM = 33;
const MODES: Lut3dMode[] = ["trilinear", "tetrahedral"];
/** PyTorch F.grid_sample (3D, trilinear) forward+backward on CPU as once measured: the baseline without torch. */
const GRID_SAMPLE_MPS = 3;

/** grid_sample's MP/s on `threads` threads measured now by the PyTorch peer, or the constant (and why). */
async function gridSampleMps(threads: number): Promise<{ mps: number; how: string }> {
  const r = torchAvailable() ? await torchStep("gridsample", { crop: 480, threads, reps: 5 }, threads) : {};
  if (r.ms) return { mps: (480 * 854) / r.ms / 1e3, how: `measured now (${PYTHON}, 480x854, median of 5)` };
  return { mps: GRID_SAMPLE_MPS, how: `not measured here (${r.error ?? `no torch at ${PYTHON}`}): ~3 MP/s` };
}

/** A smooth D^3 grading LUT [3,D,D,D] (lut[c][b][g][r]): saturation boost and per-channel gamma. */
function gradingLut(dim: number): Float32Array {
  const d3 = dim ** 3, lut = new Float32Array(3 * d3), gamma = [0.85, 1.0, 1.15];
  for (let v = 0; v < d3; v++) {
    const rgb = [v % dim, Math.floor(v / dim) % dim, Math.floor(v / (dim * dim))].map((k) => k / (dim - 1));
    const lum = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2];
    for (let c = 0; c < 3; c++) {
      lut[c * d3 + v] = Math.min(1, Math.max(0, lum + 1.3 * (rgb[c] - lum))) ** gamma[c];
    }
  }
  return lut;
}

const mp = (img: Image) => (img.height * img.width) / 1e6;
const shapeOf = (img: Image) => ({ batch: 1, height: img.height, width: img.width, dim: DIM });

/**
 * Our kernel: forward and forward+backward (both gradients) MP/s. Single-threaded rows use user CPU time
 * (like the ffmpeg rows, robust to waiting for a core on a shared machine), multi-threaded ones wall time.
 */
async function kernelRows(
  report: BenchReport,
  img: Image,
  lut: Float32Array,
  label: string,
  reps: number,
  timer: typeof medianMs,
) {
  const out = new Float32Array(img.data.length);
  const grads = { gradLut: new Float32Array(lut.length), gradImg: new Float32Array(img.data.length) };
  const result: Record<string, number> = {};
  for (const mode of MODES) {
    const fwd = await timer(() => applyLut3d(img.data, lut, shapeOf(img), mode, out), reps);
    const both = await timer(() => {
      applyLut3d(img.data, lut, shapeOf(img), mode, out);
      lut3dBackward(img.data, lut, out, shapeOf(img), mode, grads);
    }, Math.max(3, reps - 2));
    result[`${mode} forward`] = (mp(img) / fwd) * 1e3;
    result[`${mode} fwd+bwd`] = (mp(img) / both) * 1e3;
    report.row(SECTION, `${label} ${mode} forward`, result[`${mode} forward`], "MP/s");
    report.row(SECTION, `${label} ${mode} fwd+bwd`, result[`${mode} fwd+bwd`], "MP/s");
  }
  return result;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text.slice(-500)}`);
  return text;
}

/** ffmpeg user CPU seconds (`-benchmark` utime) for `frames` frames through filter `vf`. */
async function ffmpegUtime(raw: string, img: Image, vf: string, frames: number): Promise<number> {
  const text = await run("ffmpeg", [
    ...["-hide_banner", "-nostats", "-benchmark", "-threads", "1", "-filter_threads", "1"],
    ...["-stream_loop", String(frames - 1), "-f", "rawvideo", "-pix_fmt", "gbrpf32le"],
    ...["-s", `${img.width}x${img.height}`, "-i", raw, "-vf", vf, "-f", "null", "-"],
  ]);
  const m = text.match(/utime=([\d.]+)s/);
  if (!m) throw new Error(`ffmpeg -benchmark printed no utime: ${text.slice(-300)}`);
  return Number(m[1]);
}

/** ffmpeg lut3d single-thread MP/s per interpolation, or undefined when ffmpeg is absent. */
async function ffmpegRows(report: BenchReport, img: Image, lut: Float32Array) {
  try {
    await run("ffmpeg", ["-hide_banner", "-version"]);
  } catch {
    report.note(SECTION, "ffmpeg not found: ffmpeg rows and the ffmpeg ratio are skipped");
    return undefined;
  }
  const dir = await Deno.makeTempDir({ prefix: "lutlab-bench-" });
  try {
    const raw = join(dir, "in.gbrpf32le"), cube = join(dir, "grade.cube");
    const hw = img.height * img.width, planes = new Float32Array(3 * hw);
    planes.set(img.data.subarray(hw, 2 * hw), 0); // gbrp plane order: G, B, R
    planes.set(img.data.subarray(2 * hw, 3 * hw), hw);
    planes.set(img.data.subarray(0, hw), 2 * hw);
    await Deno.writeFile(raw, new Uint8Array(planes.buffer));
    await writeCube(cube, { size: DIM, lut });
    const frames = 5, result: Record<string, number> = {};
    const best = async (vf: string) => {
      let t = Infinity;
      for (let i = 0; i < 3; i++) t = Math.min(t, await ffmpegUtime(raw, img, vf, frames));
      return t;
    };
    const base = await best("null");
    for (const mode of MODES) {
      const t = await best(`lut3d=file=${cube}:interp=${mode}`);
      result[mode] = (mp(img) * frames) / Math.max(t - base, 1e-3);
      report.row(SECTION, `ffmpeg 1 thread ${mode} gbrpf32le 12MP`, result[mode], "MP/s");
    }
    report.note(
      SECTION,
      `ffmpeg ${frames} frames, -threads 1 -filter_threads 1, pix_fmt gbrpf32le; filter time = least user CPU ` +
        `time (-benchmark utime) of 3 lut3d passes minus that of a -vf null pass (${base.toFixed(2)} s)`,
    );
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** tfjs trilinear lookup built from gather (8 corner gathers) on [HW] pixels; forward only. */
function tfGatherTrilinear(img: tf.Tensor2D, lutFlat: tf.Tensor2D, dim: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.mul(tf.clipByValue(img, 0, 1), dim - 1); // [3, HW]
    const i0 = tf.minimum(tf.floor(x), dim - 2), f = tf.sub(x, i0);
    const [ir, ig, ib] = tf.unstack(i0);
    const [fr, fg, fb] = tf.unstack(f);
    const base = tf.add(tf.add(ir, tf.mul(ig, dim)), tf.mul(ib, dim * dim)); // exact in float32
    let out: tf.Tensor = tf.zeros([img.shape[1], 3]);
    for (
      const [dr, dg, db] of [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1], [
        1,
        1,
        1,
      ]]
    ) {
      const w = tf.mul(tf.mul(dr ? fr : tf.sub(1, fr), dg ? fg : tf.sub(1, fg)), db ? fb : tf.sub(1, fb));
      const v = tf.gather(lutFlat, tf.cast(tf.add(base, dr + dg * dim + db * dim * dim), "int32"));
      out = tf.add(out, tf.mul(v, tf.expandDims(w, 1)));
    }
    return out as tf.Tensor2D;
  });
}

/** Runs the section. */
export async function bench(report: BenchReport): Promise<void> {
  const photo = await loadEmbedded("nagasaki-boats");
  const big = resizeBilinear(photo, 3000, 4000);
  const small = resizeBilinear(photo, 480, 854);
  report.note(
    SECTION,
    `image: embedded photo nagasaki-boats (${photo.width}x${photo.height}, a warm-toned monochrome print) ` +
      `bilinearly resized to 4000x3000 (12 MP) and 854x480; LUT: D=${DIM} grading LUT; device ` +
      `${kernelTarget().device}`,
  );
  report.note(
    SECTION,
    `load average at start: ${Deno.loadavg().map((v) => v.toFixed(2)).join(" ")} (shared machine)`,
  );
  const lut = gradingLut(DIM);
  const threads = navigator.hardwareConcurrency;
  try {
    setKernelThreads(1);
    const one = await kernelRows(report, big, lut, "cpu 1 thread 12MP (cpu time)", 5, bestCpuMs);
    await kernelRows(report, small, lut, "cpu 1 thread 480p (cpu time)", 9, bestCpuMs);
    setKernelThreads(0);
    const all = await kernelRows(report, big, lut, `cpu ${threads} threads 12MP (wall)`, 5, medianMs);
    await kernelRows(report, small, lut, `cpu ${threads} threads 480p (wall)`, 9, medianMs);
    const ff = await ffmpegRows(report, big, lut);
    const grid = await gridSampleMps(threads);
    report.row(SECTION, `PyTorch grid_sample fwd+bwd (${threads} threads)`, grid.mps, "MP/s");
    for (const mode of MODES) {
      if (ff) {
        report.ratio(
          SECTION,
          `${mode} forward per thread vs ffmpeg lut3d per thread`,
          one[`${mode} forward`] / ff[mode],
          1.5,
        );
      }
      report.ratio(
        SECTION,
        `${mode} fwd+bwd (${threads} threads) vs grid_sample ${threads} threads`,
        all[`${mode} fwd+bwd`] / grid.mps,
        20,
      );
    }
    report.note(
      SECTION,
      `grid_sample baseline: PyTorch F.grid_sample 3D trilinear forward + LUT gradient on CPU, ${grid.how}`,
    );
  } finally {
    setKernelThreads(0);
  }
  for (const mode of MODES) {
    const s = { ...shapeOf(small), lutBatch: 1 };
    const ms = await medianMs(() => lut3dForwardRef(small.data, lut, s, mode), 3, 0);
    report.row(SECTION, `TS reference ${mode} forward 480p`, (mp(small) / ms) * 1e3, "MP/s");
  }
  const backend = await initTf();
  const img2d = tf.tensor2d(small.data, [3, small.height * small.width]);
  const lutFlat = tf.tidy(() => tf.transpose(tf.tensor2d(lut, [3, DIM ** 3])) as tf.Tensor2D);
  const ms = await medianMs(async () => {
    await readAndDispose(tfGatherTrilinear(img2d, lutFlat, DIM)); // async: dataSync throws on webgpu
  }, 3);
  report.row(SECTION, `tfjs ${backend} gather trilinear forward 480p`, (mp(small) / ms) * 1e3, "MP/s");
  tf.dispose([img2d, lutFlat]);
}
