/**
 * Worker of the format fuzz suite (tests/fuzz_util.ts): parses one file's bytes with the reader named in
 * the request and reports the outcome. "value" only when the result is self-consistent (every array's
 * length matches its shape, values finite where the format requires it); "error" for an Error whose
 * message names the file; "bad" for anything else (an Error without the file name, a non-Error throw).
 */
import { parsePth } from "../lib/formats/pth.ts";
import { parseNpy } from "../lib/formats/npy.ts";
import { parseCubeFile } from "../lib/formats/cube.ts";
import { haldToLut } from "../lib/formats/hald.ts";
import { parse3dl } from "../lib/formats/lut3dl.ts";
import { decodeImage } from "../lib/image/io.ts";

/** A parse request: reader, file name (must appear in errors) and bytes. */
export type FuzzRequest = { id: number; parser: Parser; name: string; bytes: Uint8Array };
/** The worker's answer. */
export type FuzzReply = { id: number; outcome: "value" | "error" | "bad"; detail: string };
/** Readers under test. */
export type Parser = "pth" | "npy" | "cube" | "3dl" | "hald" | "image";

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const validShape = (shape: number[]) => shape.every((d) => Number.isSafeInteger(d) && d >= 0);

/** Parses `bytes`; returns "" when the result is self-consistent, else what is wrong with it. */
async function check(parser: Parser, name: string, bytes: Uint8Array): Promise<string> {
  if (parser === "pth") {
    for (const [k, t] of parsePth(bytes, name).tensors) {
      if (!validShape(t.shape) || t.data.length !== size(t.shape)) return `tensor ${k} [${t.shape}]`;
    }
    return "";
  }
  if (parser === "npy") {
    const a = parseNpy(bytes, name);
    return validShape(a.shape) && a.data.length === size(a.shape) ? "" : `array [${a.shape}]`;
  }
  if (parser === "cube") {
    const f = parseCubeFile(new TextDecoder().decode(bytes), name);
    const bad = [[f.lut1d, 1, 65536], [f.lut3d, 3, 256]].filter(([t, dims, max]) => {
      const c = t as
        | { size: number; lut: Float32Array; domainMin: number[]; domainMax: number[] }
        | undefined;
      if (!c) return false;
      return !(c.size >= 2 && c.size <= (max as number) && c.lut.length === 3 * c.size ** (dims as number) &&
        c.lut.every(Number.isFinite) && [0, 1, 2].every((i) => c.domainMin[i] < c.domainMax[i]));
    });
    return !f.lut1d && !f.lut3d ? "no table" : bad.length ? "a table with a bad size, LUT or domain" : "";
  }
  if (parser === "3dl" || parser === "hald") {
    const c = parser === "3dl"
      ? parse3dl(new TextDecoder().decode(bytes), name)
      : haldToLut(await decodeImage(bytes, name, { channels: 3 }), name);
    const ok = c.size >= 2 && c.lut.length === 3 * c.size ** 3 && c.lut.every(Number.isFinite);
    return ok ? "" : `3D LUT of size ${c.size} with a bad LUT`;
  }
  const img = await decodeImage(bytes, name);
  const ok = (img.channels === 1 || img.channels === 3) &&
    img.data.length === img.channels * img.height * img.width &&
    img.data.every((v) => v >= 0 && v <= 1);
  return ok ? "" : `image ${img.channels}x${img.height}x${img.width} with bad data`;
}

const ctx = self as unknown as Worker;

ctx.onmessage = async (e: MessageEvent<FuzzRequest>) => {
  const { id, parser, name, bytes } = e.data;
  let reply: FuzzReply;
  try {
    const wrong = await check(parser, name, bytes);
    reply = { id, outcome: wrong ? "bad" : "value", detail: wrong ? `inconsistent result: ${wrong}` : "" };
  } catch (err) {
    const named = err instanceof Error && err.message.includes(name);
    const msg = err instanceof Error
      ? `${err.constructor.name}: ${err.message}`
      : `non-Error throw ${String(err)}`;
    reply = { id, outcome: named ? "error" : "bad", detail: msg.slice(0, 300) };
  }
  ctx.postMessage(reply);
};
ctx.postMessage("ready"); // module loaded: the runner starts its per-case timers only now
