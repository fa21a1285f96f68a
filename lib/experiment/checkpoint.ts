/**
 * Training checkpoints of every task (photo and SR): one file, written atomically (temp + rename), holding
 * every parameter, the Adam state (t, m, v), the step, the RNG state, the training seconds so far and the
 * model description, so `--resume` continues bit-for-bit. Format "LUTLAB-CKPT1": that line, one JSON header
 * line (space-padded to a multiple of 4 bytes), then the float32 data of the listed tensors in order
 * (little-endian). Photo checkpoints of the earlier "LUTLAB-PHOTO1" format (same layout) still load.
 */
import { tf } from "../core/backend.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { readBytes } from "../core/read.ts";
import type { Params } from "../nn/params.ts";
import type { RngState } from "../core/rng.ts";
import type { Optimizer } from "./adam.ts";

const MAGIC = "LUTLAB-CKPT1", OLD_MAGICS = ["LUTLAB-PHOTO1"];

/** What a checkpoint carries besides tensors. */
export type CheckpointMeta = {
  model: unknown;
  step: number;
  rng: RngState;
  adamT: number;
  /** training seconds up to `step` (0 in checkpoints written before it was recorded) */
  seconds?: number;
  source?: string;
};

type Entry = { name: string; shape: number[]; length: number };

/** Saves params (+ optimizer moments when given) and `meta` to `path` atomically. */
export async function saveCheckpoint(
  path: string,
  params: Params,
  opt: Optimizer | undefined,
  meta: CheckpointMeta,
): Promise<void> {
  const named: [string, tf.Tensor][] = [...params].map(([k, v]) => [`param:${k}`, v]);
  if (opt) {
    for (const k of params.keys()) named.push([`adam.m:${k}`, opt.m.get(k)!], [`adam.v:${k}`, opt.v.get(k)!]);
  }
  // async reads: tfjs-webgpu cannot read GPU data synchronously under Deno
  const arrays = await Promise.all(named.map(([, t]) => t.data() as Promise<Float32Array>));
  const entries: Entry[] = named.map(([name, t], i) => ({ name, shape: t.shape, length: arrays[i].length }));
  let header = `${MAGIC}\n${JSON.stringify({ ...meta, tensors: entries })}`;
  header += " ".repeat((4 - ((new TextEncoder().encode(header).length + 1) % 4)) % 4) + "\n";
  const head = new TextEncoder().encode(header);
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const bytes = new Uint8Array(head.length + 4 * total);
  bytes.set(head);
  const data = new Float32Array(bytes.buffer, head.length, total);
  let o = 0;
  for (const a of arrays) data.set(a, o), (o += a.length);
  await writeFileAtomic(path, bytes);
}

/** A checkpoint read back: meta, parameter values and Adam moments by parameter name. */
export type LoadedCheckpoint = CheckpointMeta & {
  params: Map<string, { shape: number[]; data: Float32Array }>;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
};

/** Reads a checkpoint file (errors name the file). */
export async function readCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const bytes = await readBytes(path, "checkpoint");
  const nl1 = bytes.indexOf(10), nl2 = bytes.indexOf(10, nl1 + 1);
  const dec = new TextDecoder();
  const magic = nl1 < 0 ? "" : dec.decode(bytes.subarray(0, nl1));
  if (nl2 < 0 || (magic !== MAGIC && !OLD_MAGICS.includes(magic))) {
    throw new Error(`${path}: not a lutlab checkpoint (expected a "${MAGIC}" header)`);
  }
  let header: CheckpointMeta & { tensors: Entry[] };
  try {
    header = JSON.parse(dec.decode(bytes.subarray(nl1 + 1, nl2)));
  } catch (e) {
    throw new Error(`${path}: corrupt checkpoint header: ${(e as Error).message}`, { cause: e });
  }
  const start = nl2 + 1;
  const total = header.tensors.reduce((s, e) => s + e.length, 0);
  if (bytes.length !== start + 4 * total) {
    throw new Error(`${path}: truncated checkpoint (${bytes.length} bytes, expected ${start + 4 * total})`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  const out: LoadedCheckpoint = { ...header, params: new Map(), m: new Map(), v: new Map() };
  let o = 0;
  for (const e of header.tensors) {
    const data = all.subarray(o, o + e.length);
    o += e.length;
    const [kind, name] = [e.name.slice(0, e.name.indexOf(":")), e.name.slice(e.name.indexOf(":") + 1)];
    if (kind === "param") out.params.set(name, { shape: e.shape, data });
    else if (kind === "adam.m") out.m.set(name, data);
    else if (kind === "adam.v") out.v.set(name, data);
  }
  return out;
}

/** JSON with object keys sorted (model descriptions compare equal whatever their key order). */
export function stableJson(x: unknown): string {
  return JSON.stringify(
    x,
    (_, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
        : v,
  );
}

/**
 * Copies checkpoint parameters into `params`: the model description must equal `model` and every
 * name/shape must match (an error names the first difference).
 */
export function restoreParams(ck: LoadedCheckpoint, params: Params, model: unknown, path: string): void {
  if (stableJson(ck.model) !== stableJson(model)) {
    throw new Error(
      `${path}: checkpoint of a different model: it holds ${JSON.stringify(ck.model)}, the config asks for ${
        JSON.stringify(model)
      }`,
    );
  }
  for (const [k, v] of params) {
    const t = ck.params.get(k);
    if (!t) throw new Error(`${path}: checkpoint has no parameter ${k}`);
    if (t.shape.join(",") !== v.shape.join(",")) {
      throw new Error(`${path}: ${k} has shape [${t.shape}], the model needs [${v.shape}]`);
    }
  }
  const extra = [...ck.params.keys()].filter((k) => !params.has(k));
  if (extra.length) {
    throw new Error(`${path}: checkpoint has parameters the model lacks: ${extra.join(", ")}`);
  }
  for (const [k, v] of params) v.assign(tf.tensor(ck.params.get(k)!.data, v.shape));
}
