/**
 * Image files ↔ planar float images. `Image` is CHW float32 in [0,1]. PNG/JPEG/TIFF/WebP decode through
 * sharp (8- and 16-bit; 16-bit keeps its precision: value/65535), BMP through a small decoder of our own
 * (sharp has no BMP loader). Pixel values are taken as stored: no ICC conversion, no EXIF rotation.
 * Decoding is refused above MAX_PIXELS pixels (a small compressed file may declare a huge image).
 */
import sharp from "sharp";
import { extname } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";
import { rgbToY } from "./color.ts";
import { readBytes, withName } from "../core/read.ts";

import type { Image } from "./image.ts";

/** Planar image: `data[(c * height + y) * width + x]`, float32, nominally in [0,1]. */
export type { Image };

/** Options of readImage/decodeImage: output channel count (default: the file's, 1 for gray, 3 for colour). */
export type ReadOptions = {
  /** 3: gray files are replicated to RGB; 1: colour files are an error unless `gray: "y"`. */
  channels?: 1 | 3;
  /** With channels 1 on a colour file: "y" converts to MATLAB rgb2ycbcr luma. */
  gray?: "y";
};

/** Largest image decoded (width·height): 2^26 ≈ 67 Mpixel, 0.8 GB as float32 RGB. */
export const MAX_PIXELS = 2 ** 26;

/** Options of writeImage: PNG bit depth (8 or 16) and JPEG quality (1..100, default 95). */
export type WriteOptions = { bits?: 8 | 16; quality?: number };

/** Interleaved HWC samples (uint8 or uint16) → planar [C,H,W] float image, each value divided by `maxValue`. */
export function fromInterleaved(
  src: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  maxValue: number,
): Image {
  const n = height * width;
  if (src.length !== n * channels) {
    throw new Error(`fromInterleaved: length ${src.length} != ${height}*${width}*${channels}`);
  }
  const data = new Float32Array(n * channels);
  const inv = 1 / maxValue;
  for (let c = 0; c < channels; c++) {
    const off = c * n;
    for (let i = 0, j = c; i < n; i++, j += channels) data[off + i] = src[j] * inv;
  }
  return { data, channels, height, width };
}

/** Interleaved HWC uint8 (values 0..255) → planar [C,H,W] float image in [0,1]. */
export function fromUint8(src: Uint8Array, height: number, width: number, channels: number): Image {
  return fromInterleaved(src, height, width, channels, 255);
}

function toInterleaved<T extends Uint8Array | Uint16Array>(img: Image, out: T, maxValue: number): T {
  const { channels, height, width, data } = img;
  const n = height * width;
  if (data.length !== n * channels) {
    throw new Error(`image data length ${data.length} != ${channels}*${height}*${width}`);
  }
  for (let c = 0; c < channels; c++) {
    const off = c * n;
    for (let i = 0, j = c; i < n; i++, j += channels) {
      const v = data[off + i];
      if (v !== v) {
        throw new Error(`image has NaN at channel ${c}, pixel (${Math.floor(i / width)}, ${i % width})`);
      }
      out[j] = v <= 0 ? 0 : v >= 1 ? maxValue : Math.round(v * maxValue);
    }
  }
  return out;
}

/** Planar [C,H,W] float image → interleaved HWC uint8 (clamped to [0,1], rounded to nearest). */
export function toUint8(img: Image): Uint8Array {
  return toInterleaved(img, new Uint8Array(img.channels * img.height * img.width), 255);
}

/** Planar [C,H,W] float image → interleaved HWC uint16 (clamped to [0,1], ×65535, rounded). */
export function toUint16(img: Image): Uint16Array {
  return toInterleaved(img, new Uint16Array(img.channels * img.height * img.width), 65535);
}

/** Reads an image file into a planar float image (see ReadOptions); errors name the file. */
export async function readImage(path: string, opts: ReadOptions = {}): Promise<Image> {
  return decodeImage(await readBytes(path, "readImage"), path, opts);
}

/** Decodes encoded image bytes (PNG/JPEG/TIFF/WebP/BMP); `name` is used in error messages. */
export async function decodeImage(bytes: Uint8Array, name: string, opts: ReadOptions = {}): Promise<Image> {
  let img: Image;
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) {
    img = decodeBmp(bytes, name);
  } else {
    try {
      img = await decodeWithSharp(bytes);
    } catch (e) {
      throw new Error(`cannot decode image ${name}: ${(e as Error).message}`, { cause: e });
    }
  }
  return adaptChannels(img, name, opts);
}

async function decodeWithSharp(bytes: Uint8Array): Promise<Image> {
  const opts = { failOn: "warning", limitInputPixels: MAX_PIXELS } as const;
  const meta = await sharp(bytes, opts).metadata();
  const sixteen = meta.depth === "ushort";
  const gray = meta.channels === 1 || meta.channels === 2;
  // The explicit 16-bit colourspaces keep 16-bit samples (the default sRGB pipeline rescales them to 8-bit).
  const space = gray ? (sixteen ? "grey16" : "b-w") : (sixteen ? "rgb16" : "srgb");
  const pipe = sharp(bytes, opts).keepIccProfile().removeAlpha().toColourspace(space);
  const { data, info } = await pipe.raw({ depth: sixteen ? "ushort" : "uchar" }).toBuffer({
    resolveWithObject: true,
  });
  const n = info.width * info.height * info.channels;
  const samples = sixteen
    ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + 2 * n))
    : new Uint8Array(data.buffer, data.byteOffset, n);
  if (samples.length !== n) throw new Error(`decoder returned ${data.length} bytes, expected ${n} samples`);
  return fromInterleaved(samples, info.height, info.width, info.channels, sixteen ? 65535 : 255);
}

function adaptChannels(img: Image, name: string, opts: ReadOptions): Image {
  const want = opts.channels;
  if (want === undefined || want === img.channels) return img;
  if (want === 3 && img.channels === 1) {
    const n = img.height * img.width;
    const data = new Float32Array(3 * n);
    for (let c = 0; c < 3; c++) data.set(img.data, c * n);
    return { ...img, data, channels: 3 };
  }
  if (want === 1 && img.channels === 3) {
    if (opts.gray === "y") return rgbToY(img);
    throw new Error(`${name}: colour image read with channels: 1 (pass gray: "y" to convert to luma)`);
  }
  throw new Error(`${name}: cannot convert ${img.channels} channels to ${want}`);
}

/**
 * Minimal BMP decoder: BITMAPINFOHEADER (or V4/V5) uncompressed BI_RGB 24/32-bit and 8-bit palette, also
 * 32-bit BI_BITFIELDS; bottom-up and top-down. 8-bit files with an all-gray palette decode to 1 channel.
 */
export function decodeBmp(bytes: Uint8Array, name: string): Image {
  return withName(name, () => decodeBmpChecked(bytes, name));
}

function decodeBmpChecked(bytes: Uint8Array, name: string): Image {
  const fail = (msg: string): never => {
    throw new Error(`cannot decode BMP ${name}: ${msg}`);
  };
  if (bytes.length < 54) fail(`truncated header (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = dv.getUint32(10, true);
  const dibSize = dv.getUint32(14, true);
  if (dibSize < 40) fail(`unsupported DIB header size ${dibSize} (need BITMAPINFOHEADER or later)`);
  if (14 + dibSize > bytes.length) fail(`DIB header size ${dibSize} runs past the end of the file`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) fail(`bad dimensions ${width}x${rawHeight}`);
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) fail(`unsupported bit depth ${bpp} (supported: 8, 24, 32)`);
  const bitfields = compression === 3 && bpp === 32;
  if (compression !== 0 && !bitfields) fail(`unsupported compression ${compression} (only uncompressed)`);
  // Pixels start after the headers (and the colour masks that follow a 40-byte header with BI_BITFIELDS).
  const headerEnd = 14 + dibSize + (bitfields && dibSize < 52 ? 12 : 0);
  if (dataOffset < headerEnd) fail(`dataOffset ${dataOffset} lies inside the ${headerEnd}-byte header`);
  if (width * height > MAX_PIXELS) fail(`${width}x${height} exceeds ${MAX_PIXELS} pixels`);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  const need = dataOffset + stride * height;
  if (bytes.length < need) fail(`truncated pixel data (file has ${bytes.length} bytes, needs ${need})`);

  const n = width * height;
  const rowOf = (y: number) => dataOffset + (topDown ? y : height - 1 - y) * stride;
  if (bpp === 8) {
    const count = dv.getUint32(46, true) || 256;
    const palOff = 14 + dibSize;
    if (palOff + 4 * count > dataOffset) fail(`palette of ${count} entries overlaps the pixel data`);
    let isGray = true;
    for (let k = 0; k < count; k++) {
      const p = palOff + 4 * k;
      if (bytes[p] !== bytes[p + 1] || bytes[p] !== bytes[p + 2]) isGray = false;
    }
    const channels = isGray ? 1 : 3;
    const data = new Float32Array(channels * n);
    for (let y = 0; y < height; y++) {
      const row = rowOf(y);
      for (let x = 0; x < width; x++) {
        const idx = bytes[row + x];
        if (idx >= count) fail(`palette index ${idx} >= palette size ${count} at (${y}, ${x})`);
        const p = palOff + 4 * idx;
        const i = y * width + x;
        if (isGray) data[i] = bytes[p] / 255;
        else {
          data[i] = bytes[p + 2] / 255;
          data[n + i] = bytes[p + 1] / 255;
          data[2 * n + i] = bytes[p] / 255;
        }
      }
    }
    return { data, channels, height, width };
  }
  const bytesPer = bpp / 8;
  const data = new Float32Array(3 * n);
  if (bitfields) {
    const masks = [dv.getUint32(54, true), dv.getUint32(58, true), dv.getUint32(62, true)];
    for (let c = 0; c < 3; c++) {
      const m = masks[c];
      if (m === 0) fail(`zero colour mask for channel ${c}`);
      const shift = 31 - Math.clz32(m & -m);
      const max = m >>> shift;
      for (let y = 0; y < height; y++) {
        const row = rowOf(y);
        for (let x = 0; x < width; x++) {
          data[c * n + y * width + x] = ((dv.getUint32(row + 4 * x, true) & m) >>> shift) / max;
        }
      }
    }
    return { data, channels: 3, height, width };
  }
  for (let y = 0; y < height; y++) {
    const row = rowOf(y);
    for (let x = 0, p = row; x < width; x++, p += bytesPer) {
      const i = y * width + x;
      data[i] = bytes[p + 2] / 255;
      data[n + i] = bytes[p + 1] / 255;
      data[2 * n + i] = bytes[p] / 255;
    }
  }
  return { data, channels: 3, height, width };
}

/** Encodes a planar [C,H,W] image (C = 1, 3 or 4) to PNG or JPEG bytes, per `format`. */
export async function encodeImage(
  img: Image,
  format: "png" | "jpeg",
  opts: WriteOptions = {},
): Promise<Uint8Array> {
  const { channels, height, width } = img;
  if (![1, 3, 4].includes(channels)) throw new Error(`encodeImage: cannot encode ${channels} channels`);
  if (!(height > 0 && width > 0)) throw new Error(`encodeImage: empty image ${height}x${width}`);
  const bits = opts.bits ?? 8;
  if (bits !== 8 && bits !== 16) throw new Error(`encodeImage: bits must be 8 or 16, got ${bits}`);
  if (format === "jpeg" && bits === 16) throw new Error("encodeImage: JPEG is 8-bit only");
  const raw = { width, height, channels: channels as 1 | 3 | 4 };
  let pipe = bits === 16 ? sharp(toUint16(img), { raw }) : sharp(toUint8(img), { raw });
  if (bits === 16) pipe = pipe.toColourspace(channels === 1 ? "grey16" : "rgb16");
  else if (channels === 1) pipe = pipe.toColourspace("b-w");
  const out = format === "png"
    ? await pipe.png({ compressionLevel: 6 }).toBuffer()
    : await pipe.jpeg({ quality: opts.quality ?? 95 }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Writes `img` atomically as PNG (.png; 8-bit, or 16-bit with bits: 16) or JPEG (.jpg/.jpeg). */
export async function writeImage(path: string, img: Image, opts: WriteOptions = {}): Promise<void> {
  const ext = extname(path).toLowerCase();
  const format = ext === ".png" ? "png" : ext === ".jpg" || ext === ".jpeg" ? "jpeg" : undefined;
  if (!format) {
    throw new Error(`writeImage ${path}: unsupported extension "${ext}" (use .png, .jpg or .jpeg)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await encodeImage(img, format, opts);
  } catch (e) {
    throw new Error(`writeImage ${path}: ${(e as Error).message}`, { cause: e });
  }
  await writeFileAtomic(path, bytes);
}
