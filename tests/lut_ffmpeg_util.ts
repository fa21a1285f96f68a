// Shared by the LUT file tests that compare with ffmpeg: whether ffmpeg is installed, running it, and
// planar float RGB images through ffmpeg's gbrpf32le (planes G, B, R) and back.
import { join } from "@std/path";

/** Whether ffmpeg is on PATH (tests comparing with it are ignored otherwise). */
export const hasFfmpeg = (() => {
  try {
    return new Deno.Command("ffmpeg", { args: ["-version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

/** Runs ffmpeg quietly; throws with its stderr on failure. */
export async function ffmpeg(args: string[]): Promise<void> {
  const r = await new Deno.Command("ffmpeg", { args: ["-hide_banner", "-loglevel", "error", "-y", ...args] })
    .output();
  if (!r.success) throw new Error(`ffmpeg ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

/**
 * Planar RGB float [3,H,W] through the ffmpeg filter graph `vf` on gbrpf32le frames (files in `dir`);
 * `extra` inputs (e.g. a Hald CLUT image) come after the raw frame, and `vf` is then a filter_complex.
 */
export async function ffmpegFloat(
  dir: string,
  img: Float32Array,
  height: number,
  width: number,
  vf: string,
  extra: string[] = [],
): Promise<Float32Array> {
  const hw = height * width, gbr = new Float32Array(3 * hw);
  gbr.set(img.subarray(hw, 2 * hw), 0),
    gbr.set(img.subarray(2 * hw), hw),
    gbr.set(img.subarray(0, hw), 2 * hw);
  await Deno.writeFile(join(dir, "in.f32"), new Uint8Array(gbr.buffer));
  const raw = ["-f", "rawvideo", "-pix_fmt", "gbrpf32le", "-s", `${width}x${height}`];
  const filter = extra.length ? ["-filter_complex", vf] : ["-vf", vf];
  await ffmpeg([
    ...raw,
    "-i",
    join(dir, "in.f32"),
    ...extra,
    ...filter,
    ...raw.slice(0, 4),
    "-frames:v",
    "1",
    join(dir, "out.f32"),
  ]);
  const got = new Float32Array((await Deno.readFile(join(dir, "out.f32"))).buffer);
  const rgb = new Float32Array(3 * hw);
  rgb.set(got.subarray(2 * hw), 0),
    rgb.set(got.subarray(0, hw), hw),
    rgb.set(got.subarray(hw, 2 * hw), 2 * hw);
  return rgb;
}
