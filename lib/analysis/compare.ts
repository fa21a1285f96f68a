/**
 * Before/after grids for notebooks: each image (input, model outputs) beside the reference, a zoomed
 * crop of the same region (box drawn on the full view) and its per-pixel CIE76 ΔE map against the
 * reference (white 0 → dark red at `maxDeltaE`, with a colour key). Images are planar [3,H,W] in [0,1].
 */
import { rgbToLab } from "../image/color.ts";
import type { Image } from "../image/image.ts";
import { psnr } from "../image/metrics.ts";
import { display } from "./figure.ts";
import { imageRowHtml } from "./images.ts";

/** A square region of an image: top-left corner and side, in pixels. */
export type Crop = { x: number; y: number; size: number };

/** Per-pixel CIE76 ΔE*ab [H*W] between two sRGB [3,H,W] images of the same size. */
export function deltaEMap(a: Image, b: Image): Float32Array {
  if (a.channels !== 3 || b.channels !== 3 || a.height !== b.height || a.width !== b.width) {
    throw new Error(
      `deltaEMap: need two [3,H,W] images of one size, got [${a.channels},${a.height},${a.width}] and ` +
        `[${b.channels},${b.height},${b.width}]`,
    );
  }
  const la = rgbToLab(a).data, lb = rgbToLab(b).data, n = a.height * a.width, out = new Float32Array(n);
  for (let i = 0; i < n; ++i) {
    out[i] = Math.hypot(la[i] - lb[i], la[n + i] - lb[n + i], la[2 * n + i] - lb[2 * n + i]);
  }
  return out;
}

/** RGB colour of ΔE `v` on the white → red → dark red scale saturating at `max`. */
function heat(v: number, max: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v / max));
  return t < 0.5 ? [1, 1 - 1.6 * t, 1 - 2 * t] : [1 - 0.9 * (t - 0.5), 0.2 - 0.4 * (t - 0.5), 0];
}

/** A [H*W] map as a colour image (heat scale up to `max`). */
export function heatImage(map: Float32Array, height: number, width: number, max: number): Image {
  const n = height * width, data = new Float32Array(3 * n);
  for (let i = 0; i < n; ++i) {
    const [r, g, b] = heat(map[i], max);
    data[i] = r, data[n + i] = g, data[2 * n + i] = b;
  }
  return { data, channels: 3, height, width };
}

/** The crop of `img` (planar copy). */
export function cropImage(img: Image, c: Crop): Image {
  if (c.x < 0 || c.y < 0 || c.x + c.size > img.width || c.y + c.size > img.height || c.size < 1) {
    throw new Error(
      `cropImage: crop ${c.size}² at (${c.x},${c.y}) is outside the ${img.width}×${img.height} image`,
    );
  }
  const s = c.size, data = new Float32Array(img.channels * s * s);
  for (let ch = 0; ch < img.channels; ++ch) {
    for (let y = 0; y < s; ++y) {
      const from = (ch * img.height + c.y + y) * img.width + c.x;
      data.set(img.data.subarray(from, from + s), (ch * s + y) * s);
    }
  }
  return { data, channels: img.channels, height: s, width: s };
}

/** Copy of `img` with the crop's outline drawn in red, `t` pixels thick. */
function withBox(img: Image, c: Crop, t = Math.max(1, Math.round(img.width / 200))): Image {
  const out = { ...img, data: Float32Array.from(img.data) }, n = img.height * img.width;
  for (let y = c.y; y < c.y + c.size; ++y) {
    for (let x = c.x; x < c.x + c.size; ++x) {
      const edge = y - c.y < t || c.y + c.size - 1 - y < t || x - c.x < t || c.x + c.size - 1 - x < t;
      if (!edge) continue;
      const i = y * img.width + x;
      out.data[i] = 1, out.data[n + i] = 0, out.data[2 * n + i] = 0;
    }
  }
  return out;
}

/**
 * HTML grid: one column per item plus the reference; rows: full view with the crop box, the zoomed crop,
 * the ΔE map against the reference (mean ΔE and PSNR in the caption). `crop` defaults to a centred
 * quarter-width square; `maxDeltaE` (default 20) saturates the ΔE colours.
 */
export async function compareGridHtml(
  items: { caption: string; image: Image }[],
  reference: { caption: string; image: Image },
  opts: { crop?: Crop; width?: number; maxDeltaE?: number } = {},
): Promise<string> {
  if (items.length === 0) throw new Error("compareGridHtml: no images");
  const ref = reference.image, max = opts.maxDeltaE ?? 20, width = opts.width ?? 200;
  const side = Math.max(8, Math.round(Math.min(ref.width, ref.height) / 4));
  const crop = opts.crop ?? { x: (ref.width - side) >> 1, y: (ref.height - side) >> 1, size: side };
  const full = [...items, reference].map((it) => ({ caption: it.caption, image: withBox(it.image, crop) }));
  const zoom = [...items, reference].map((it) => ({
    caption: `${it.caption}: crop ${crop.size}² at (${crop.x}, ${crop.y})`,
    image: cropImage(it.image, crop),
  }));
  const maps = items.map((it) => {
    const m = deltaEMap(it.image, ref);
    const mean = m.reduce((a, b) => a + b, 0) / m.length;
    return {
      caption: `ΔE vs ${reference.caption}: mean ${mean.toFixed(2)}, PSNR ${
        psnr(it.image, ref).toFixed(2)
      } dB`,
      image: heatImage(m, ref.height, ref.width, max),
    };
  });
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const [r, g, b] = heat(t * max, max).map((v) => Math.round(255 * v));
    return `rgb(${r},${g},${b}) ${100 * t}%`;
  });
  const key = `<div style="font:12px sans-serif;margin:4px">ΔE*ab (CIE76) colour key: 0 ` +
    `<span style="display:inline-block;width:200px;height:10px;vertical-align:middle;` +
    `background:linear-gradient(to right, ${stops.join(", ")})"></span> ≥ ${max}</div>`;
  const rows = await Promise.all([
    imageRowHtml(full, width),
    imageRowHtml(zoom, width, true),
    imageRowHtml(maps, width),
  ]);
  return `<div class="lutlab-compare">${rows.join("")}${key}</div>`;
}

/** Shows compareGridHtml in a Deno notebook (`await showCompare(...)`); prints the captions elsewhere. */
export async function showCompare(
  items: { caption: string; image: Image }[],
  reference: { caption: string; image: Image },
  opts: { crop?: Crop; width?: number; maxDeltaE?: number } = {},
): Promise<void> {
  const html = await compareGridHtml(items, reference, opts);
  const text = items.map((it) => `${it.caption}: PSNR ${psnr(it.image, reference.image).toFixed(2)} dB`).join(
    " | ",
  );
  await display({ "text/html": html, "text/plain": text });
}
