/**
 * LUT sampling patterns (MuLUT's S/D/Y kernels, SR-LUT's 2×2 receptive field) and the plane operations
 * every SR LUT model is made of: rotation by 90°, bottom/right padding, pattern gathering and pixel
 * shuffle. Planes are tf tensors [N, H, W] (N = batch × colour channels, each channel is its own plane).
 */
import { tf } from "../../core/backend.ts";
import { type Offset, type PadMode, patternPad } from "../../lut/simplex_ref.ts";

export type { PadMode };

/** A LUT input pattern: n pixel offsets (dy, dx) from the anchor; `pad` = [rows below, cols right] needed. */
export type Pattern = { name: string; offsets: readonly Offset[]; pad: readonly [number, number] };

function pattern(name: string, offsets: Offset[]): Pattern {
  return { name, offsets, pad: patternPad(offsets) };
}

/** MuLUT's S (2×2), D (dilated 3×3 corners) and Y (four pixels of a 3×3) patterns; SR-LUT-S uses "s". */
export const PATTERNS: Readonly<Record<string, Pattern>> = {
  s: pattern("s", [[0, 0], [0, 1], [1, 0], [1, 1]]),
  d: pattern("d", [[0, 0], [0, 2], [2, 0], [2, 2]]),
  y: pattern("y", [[0, 0], [1, 1], [1, 2], [2, 1]]),
  // SR-LUT-F: three horizontal pixels (3-D LUT); SR-LUT-V: two horizontal pixels (2-D LUT).
  f: pattern("f", [[0, 0], [0, 1], [0, 2]]),
  v: pattern("v", [[0, 0], [0, 1]]),
};

/** The pattern named `name` (s, d, y, f, v); throws naming the known ones otherwise. */
export function patternOf(name: string): Pattern {
  const p = PATTERNS[name.toLowerCase()];
  if (!p) throw new Error(`unknown LUT pattern "${name}" (known: ${Object.keys(PATTERNS).join(", ")})`);
  return p;
}

/** np.rot90(x, k, axes=(1,2)) of planes [N,H,W] (counter-clockwise k quarter turns). */
export function rot90(x: tf.Tensor3D, k: number): tf.Tensor3D {
  const r = ((k % 4) + 4) % 4;
  if (r === 0) return x;
  if (r === 2) return tf.reverse(x, [1, 2]);
  if (r === 1) return tf.transpose(tf.reverse(x, 2), [0, 2, 1]);
  return tf.reverse(tf.transpose(x, [0, 2, 1]), 2);
}

/** Pads planes [N,H,W] by `py` rows at the bottom and `px` columns at the right → [N,H+py,W+px]. */
export function padBottomRight(
  x: tf.Tensor3D,
  [py, px]: readonly [number, number],
  mode: PadMode,
): tf.Tensor3D {
  const [n, h, w] = x.shape;
  if (mode === "reflect") {
    if (py >= h || px >= w) {
      throw new Error(`reflect padding (${py},${px}) needs planes larger than ${h}x${w}`);
    }
    return py + px === 0 ? x : tf.mirrorPad(x, [[0, 0], [0, py], [0, px]], "reflect");
  }
  const rows = py === 0 ? x : tf.concat([x, tf.tile(tf.slice(x, [0, h - 1, 0], [n, 1, w]), [1, py, 1])], 1);
  if (px === 0) return rows;
  return tf.concat([rows, tf.tile(tf.slice(rows, [0, 0, w - 1], [n, h + py, 1]), [1, 1, px])], 2);
}

/** Gathers the pattern's pixels from padded planes [N,H+p,W+p] → [N·H·W, n] (row-major over N,y,x). */
export function gatherPattern(xp: tf.Tensor3D, pattern: Pattern): tf.Tensor2D {
  const [n, hp, wp] = xp.shape;
  const h = hp - pattern.pad[0], w = wp - pattern.pad[1];
  if (h < 1 || w < 1) throw new Error(`pattern ${pattern.name}: padded planes ${hp}x${wp} too small`);
  const cols = pattern.offsets.map(([dy, dx]) =>
    tf.reshape(tf.slice(xp, [0, dy, dx], [n, h, w]), [n * h * w])
  );
  return tf.stack(cols, 1) as tf.Tensor2D;
}

/**
 * PixelShuffle: values [N·H·W, C·r·r] (channel c·r²+i·r+j, torch's order) → planes [C·N, H·r, W·r],
 * channel-major (output channel c is planes c·N .. c·N+N-1; C = 1 gives [N, H·r, W·r]).
 */
export function pixelShuffle(
  v: tf.Tensor2D,
  n: number,
  h: number,
  w: number,
  r: number,
  channels = 1,
): tf.Tensor3D {
  const c = channels;
  if (r === 1 && c === 1) return tf.reshape(v, [n, h, w]);
  const t = tf.transpose(tf.reshape(v, [n, h, w, c, r, r]), [3, 0, 1, 4, 2, 5]);
  return tf.reshape(t, [c * n, h * r, w * r]);
}
