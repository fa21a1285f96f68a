/**
 * TensorBoard event files, written without TensorFlow: the log records of a run (log.ts) as scalar
 * summaries in `events.out.tfevents.<secs>.<host>` beside log.jsonl, so TensorBoard (or any TFRecord reader)
 * can watch the run while it goes on.
 * - TFRecord framing: uint64 length (little-endian), masked CRC32C of those 8 bytes, the data, masked CRC32C
 *   of the data (mask: rotate right by 15, add 0xa282ead8);
 * - the data of each record is an `Event` protobuf (tensorflow/core/util/event.proto): wall_time (1, double),
 *   step (2, int64), file_version (3, "brain.Event:2", the first record of every file), summary (5: Summary,
 *   tensorflow/core/framework/summary.proto, repeated Value {tag (1), simple_value (2, float)}), session_log
 *   (7: SessionLog {status (1) = START}), encoded by hand below;
 * - one record per log record, its numeric fields as tags (nested objects joined with "/": eval.psnr ->
 *   "eval/psnr"); every record is appended and the file closed, so a reader sees it at once;
 * - every start of a run writes a new file; a resumed run opens it with SessionLog START at the resumed step,
 *   which tells TensorBoard to drop the older files' points after that step (what the log's truncation does).
 */
import { join } from "@std/path";

/** CRC32C (Castagnoli, reflected polynomial 0x82f63b78) lookup table. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C of `bytes` (the checksum TFRecord frames use). */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC32C: rotated right by 15 bits plus 0xa282ead8 (mod 2^32). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord frame around `data`: [u64 len][u32 masked crc(len)][data][u32 masked crc(data)]. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length), view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Protobuf wire-format writer (varints, fixed 32/64-bit, length-delimited fields). */
class Proto {
  private bytes: number[] = [];
  private varint(v: bigint): void {
    while (v >= 0x80n) this.bytes.push(Number(v & 0x7fn) | 0x80), (v >>= 7n);
    this.bytes.push(Number(v));
  }
  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  int(field: number, v: number): this {
    this.key(field, 0), this.varint(BigInt.asUintN(64, BigInt(v)));
    return this;
  }
  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.key(field, 1), this.bytes.push(...b);
    return this;
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.key(field, 5), this.bytes.push(...b);
    return this;
  }
  bytesField(field: number, v: Uint8Array): this {
    this.key(field, 2), this.varint(BigInt(v.length)), this.bytes.push(...v);
    return this;
  }
  string(field: number, v: string): this {
    return this.bytesField(field, new TextEncoder().encode(v));
  }
  done(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

/** What one Event carries besides wall time and step: the file version, scalars, or a session start. */
export type EventBody = { fileVersion: string } | { scalars: [string, number][] } | { sessionStart: true };

/** Encodes an `Event` protobuf (fields: wall_time 1, step 2, file_version 3, summary 5, session_log 7). */
export function encodeEvent(wallTime: number, step: number, body: EventBody): Uint8Array {
  const e = new Proto().double(1, wallTime).int(2, step);
  if ("fileVersion" in body) e.string(3, body.fileVersion);
  else if ("sessionStart" in body) e.bytesField(7, new Proto().int(1, 1).done()); // SessionLog.START = 1
  else {
    const summary = new Proto();
    for (const [tag, v] of body.scalars) summary.bytesField(1, new Proto().string(1, tag).float(2, v).done());
    e.bytesField(5, summary.done());
  }
  return e.done();
}

/** The numeric fields of a log record as scalar tags (nested objects joined with "/"), step and seconds left out. */
export function scalarsOf(rec: Record<string, unknown>, prefix = ""): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (!prefix && (k === "step" || k === "seconds")) continue;
    if (typeof v === "number") out.push([prefix + k, v]);
    else if (v && typeof v === "object" && !Array.isArray(v)) {
      out.push(...scalarsOf(v as Record<string, unknown>, `${prefix}${k}/`));
    }
  }
  return out;
}

/** True for TensorBoard event file names (what `restart` removes with the log). */
export function isEventFile(name: string): boolean {
  return name.startsWith("events.out.tfevents.");
}

/** Appends Events to one new event file in a run folder (see module doc). */
export class EventWriter {
  private constructor(readonly path: string) {}

  /** Opens a new events file in `dir` (its first record: file_version); `resumeStep` adds SessionLog START. */
  static async open(dir: string, resumeStep?: number): Promise<EventWriter> {
    let host = "localhost"; // without --allow-sys
    try {
      host = Deno.hostname().replace(/[^A-Za-z0-9._-]/g, "_");
    } catch { /* keeps localhost */ }
    let secs = Math.floor(Date.now() / 1000), path: string;
    for (;; secs++) {
      path = join(dir, `events.out.tfevents.${secs}.${host}`);
      try {
        await Deno.writeFile(path, new Uint8Array(), { createNew: true });
        break;
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw new Error(`${path}: ${(e as Error).message}`);
      }
    }
    const w = new EventWriter(path);
    await w.write(resumeStep ?? 0, { fileVersion: "brain.Event:2" });
    if (resumeStep !== undefined) await w.write(resumeStep, { sessionStart: true });
    return w;
  }

  /** Appends one Event (one TFRecord) and closes the file again (readable at once). */
  async write(step: number, body: EventBody, wallTime = Date.now() / 1000): Promise<void> {
    await Deno.writeFile(this.path, tfRecord(encodeEvent(wallTime, step, body)), { append: true });
  }

  /** Appends the numeric fields of a log record as scalars at its step (nothing when it has none). */
  async log(rec: { step: number; [key: string]: unknown }): Promise<void> {
    const scalars = scalarsOf(rec);
    if (scalars.length) await this.write(rec.step, { scalars });
  }
}
