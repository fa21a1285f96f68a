/**
 * Helpers of the fuzz suite (tests/fuzz_formats.test.ts) and the hostile-file regression tests: seeded
 * mutations of real files, and a runner that parses each case in a Worker (tests/fuzz_worker.ts) under a
 * per-case time limit, so a hang is a reported outcome instead of a stuck test, and that watches the
 * process's resident memory between cases.
 */
import { Rng } from "../lib/core/rng.ts";
import type { FuzzReply, Parser } from "./fuzz_worker.ts";

export type { Parser };

/** Outcome of one case: a self-consistent value, a clear Error naming the file, or bad (with why). */
export type Outcome = { outcome: "value" | "error" | "bad"; detail: string; ms: number };

/** Counts per parser, as printed by the suite. */
export type Tally = { cases: number; value: number; error: number; bad: number; badCases: string[] };

/** Runs parse cases in a Worker, one at a time, each under `timeoutMs`; recreates the worker after a hang. */
export class CaseRunner {
  private worker: Worker | undefined;
  private next = 0;
  /** Largest resident-memory growth seen after a case, in bytes above the level at construction. */
  peakRssGrowth = 0;
  private readonly baseRss = Deno.memoryUsage().rss;

  constructor(readonly timeoutMs = 10_000) {}

  /** The worker, started and waited for until its modules are loaded (a loaded machine may take long). */
  private async spawn(): Promise<Worker> {
    if (this.worker) return this.worker;
    const w = new Worker(new URL("./fuzz_worker.ts", import.meta.url).href, { type: "module" });
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e) => e.data === "ready" && resolve();
      w.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`fuzz worker failed to start: ${e.message}`));
      };
    });
    return this.worker = w;
  }

  /** Parses `bytes` as `name` with `parser` in the worker. */
  async run(parser: Parser, name: string, bytes: Uint8Array): Promise<Outcome> {
    const w = await this.spawn(), id = this.next++, t0 = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = await new Promise<FuzzReply | "timeout" | string>((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
      w.onmessage = (e: MessageEvent<FuzzReply>) => e.data.id === id && resolve(e.data);
      w.onerror = (e) => {
        e.preventDefault();
        resolve(`worker crashed: ${e.message}`);
      };
      w.postMessage({ id, parser, name, bytes });
    });
    clearTimeout(timer);
    const ms = performance.now() - t0;
    this.peakRssGrowth = Math.max(this.peakRssGrowth, Deno.memoryUsage().rss - this.baseRss);
    if (typeof reply !== "string") return { outcome: reply.outcome, detail: reply.detail, ms };
    this.close();
    const detail = reply === "timeout" ? `no answer within ${this.timeoutMs} ms (hang)` : reply;
    return { outcome: "bad", detail, ms };
  }

  /** Stops the worker (a later run starts a new one). */
  close(): void {
    this.worker?.terminate();
    this.worker = undefined;
  }
}

/** An empty tally. */
export function tally(): Tally {
  return { cases: 0, value: 0, error: 0, bad: 0, badCases: [] };
}

/** Adds one outcome of case `label` to `t`. */
export function count(t: Tally, label: string, o: Outcome): void {
  t.cases++;
  t[o.outcome]++;
  if (o.outcome === "bad") t.badCases.push(`${label}: ${o.detail}`);
}

/** Hostile 32-bit values written over size fields: negative, huge, sign bit, zero. */
const HOSTILE_U32 = [0xffffffff, 0xfffffffb, 0x7fffffff, 0x80000000, 0, 1, 0x10000, 0x3fffffff];

/** Hostile text tokens written over numbers of text formats. */
export const HOSTILE_TOKENS = [
  "1e39",
  "-1e39",
  "0x10",
  "Infinity",
  "NaN",
  "-1",
  "1.5",
  "a",
  "99999999999999999999",
  "2147483647",
  "1e-400",
  "",
  "'shape'",
  "(1,)",
  "constructor",
];

/** One mutation: returns the mutated copy and a short description. */
export type Mutation = { bytes: Uint8Array; what: string };

/**
 * A seeded mutation of `src`: truncation, byte flips (mostly inside `focus`, the structured region such as a
 * pickle or header), hostile 8/16/32/64-bit values over a field, wrong magic, chunk deletion or duplication.
 */
export function mutate(src: Uint8Array, rng: Rng, focus: [number, number] = [0, src.length]): Mutation {
  const b = src.slice();
  const int = (n: number) => Math.floor(rng.next() * n);
  const inFocus = () => focus[0] + int(Math.max(1, focus[1] - focus[0]));
  const kind = int(7);
  if (kind === 0) {
    const n = int(src.length);
    return { bytes: b.subarray(0, n), what: `truncated to ${n}` };
  }
  if (kind === 1) {
    const k = 1 + int(8), at: number[] = [];
    for (let i = 0; i < k; i++) {
      const p = rng.next() < 0.8 ? inFocus() : int(b.length);
      b[p] ^= 1 << int(8);
      at.push(p);
    }
    return { bytes: b, what: `bit flips at ${at}` };
  }
  if (kind === 2 || kind === 3) {
    const p = inFocus();
    const width = [1, 2, 4, 8][int(4)];
    const v = HOSTILE_U32[int(HOSTILE_U32.length)];
    const dv = new DataView(b.buffer);
    if (p + width > b.length) return { bytes: b.subarray(0, p), what: `truncated at field ${p}` };
    if (width === 1) dv.setUint8(p, v & 0xff);
    else if (width === 2) dv.setUint16(p, v & 0xffff, true);
    else if (width === 4) dv.setUint32(p, v, true);
    else dv.setBigUint64(p, BigInt.asUintN(64, BigInt(v | 0) * (rng.next() < 0.5 ? 1n : 1n << 31n)), true);
    return { bytes: b, what: `${width}-byte field at ${p} = ${v}` };
  }
  if (kind === 4) {
    const k = 1 + int(4);
    for (let i = 0; i < k && i < b.length; i++) b[i] = int(256);
    return { bytes: b, what: `magic overwritten (${k} bytes)` };
  }
  const p = inFocus(), n = 1 + int(64);
  if (kind === 5) {
    return {
      bytes: new Uint8Array([...b.subarray(0, p), ...b.subarray(p + n)]),
      what: `deleted ${n} at ${p}`,
    };
  }
  const chunk = b.subarray(p, p + n);
  return {
    bytes: new Uint8Array([...b.subarray(0, p), ...chunk, ...b.subarray(p)]),
    what: `duplicated ${n} at ${p}`,
  };
}

/** A seeded mutation of a text file: a number replaced by a hostile token, a line removed or repeated, or `mutate`. */
export function mutateText(src: Uint8Array, rng: Rng, focus?: [number, number]): Mutation {
  const text = new TextDecoder().decode(src);
  const int = (n: number) => Math.floor(rng.next() * n);
  const kind = int(4);
  if (kind === 0) {
    const nums = [...text.matchAll(/[-+]?\d+(\.\d+)?([eE][-+]?\d+)?|'[a-z_]+'/g)];
    if (nums.length) {
      const m = nums[rng.next() < 0.5 ? int(Math.min(nums.length, 16)) : int(nums.length)];
      const tok = HOSTILE_TOKENS[int(HOSTILE_TOKENS.length)];
      const out = text.slice(0, m.index) + tok + text.slice(m.index! + m[0].length);
      return { bytes: new TextEncoder().encode(out), what: `"${m[0]}" at ${m.index} -> "${tok}"` };
    }
  }
  if (kind === 1) {
    const lines = text.split("\n"),
      i = int(Math.min(lines.length, 12)) + (rng.next() < 0.5 ? 0 : int(lines.length));
    const j = Math.min(i, lines.length - 1);
    if (rng.next() < 0.5) lines.splice(j, 1);
    else lines.splice(j, 0, lines[j]);
    return { bytes: new TextEncoder().encode(lines.join("\n")), what: `line ${j + 1} removed or repeated` };
  }
  return mutate(src, rng, focus);
}

/** Bytes taken by the integer opcodes BININT1 (K), BININT2 (M) and BININT (J) with their argument. */
const INT_OPS = new Map([[0x4b, 2], [0x4d, 3], [0x4a, 5]]);

/**
 * Offsets of the integer opcodes in the pickle at [lo, hi) — sizes, strides, offsets and element counts of a
 * checkpoint — found by walking the opcodes the way torch writes them (stops at the first one it does not know).
 */
export function pickleIntOps(b: Uint8Array, lo: number, hi: number): number[] {
  const le32 = (p: number) => b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  const fixed = new Map([[0x80, 2], [0x71, 2], [0x72, 5], [0x68, 2], [0x6a, 5], [0x47, 9], [0x8a, 0], [
    0x95,
    9,
  ]]);
  const out: number[] = [];
  for (let p = lo; p < hi;) {
    const op = b[p];
    if (INT_OPS.has(op)) out.push(p), p += INT_OPS.get(op)!;
    else if (op === 0x8a) p += 2 + b[p + 1];
    else if (fixed.has(op)) p += fixed.get(op)!;
    else if (op === 0x58) p += 5 + le32(p + 1); // BINUNICODE
    else if (op === 0x8c || op === 0x43 || op === 0x55) p += 2 + b[p + 1]; // short strings/bytes
    else if (op === 0x63) { // GLOBAL: two text lines
      const a = b.indexOf(0x0a, p), c = a < 0 ? -1 : b.indexOf(0x0a, a + 1);
      if (c < 0) break;
      p = c + 1;
    } else if ("}](.)tRbsuaeQ0N\x85\x86\x87\x88\x89\x8f\x93\x94\x81".includes(String.fromCharCode(op))) {
      p += 1;
    } else break;
  }
  return out;
}

/** Pickled replacements of an integer: negative, huge, fractional, a string, None, a negative-length BINSTRING. */
const HOSTILE_PICKLE: [string, number[]][] = [
  ["-1", [0x4a, 0xff, 0xff, 0xff, 0xff]],
  ["-5", [0x4a, 0xfb, 0xff, 0xff, 0xff]],
  ["2^31-1", [0x4a, 0xff, 0xff, 0xff, 0x7f]],
  ["2^30", [0x4a, 0, 0, 0, 0x40]],
  ["0", [0x4a, 0, 0, 0, 0]],
  ["0.5", [0x47, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]],
  ["1e300", [0x47, 0x7e, 0x37, 0xe4, 0x3c, 0x88, 0x00, 0x75, 0x9c]],
  ["NaN", [0x47, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]],
  ['"a"', [0x58, 1, 0, 0, 0, 0x61]],
  ["None", [0x4e]],
  ["-2^63", [0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80]],
  ["BINSTRING of length -5", [0x54, 0xfb, 0xff, 0xff, 0xff]],
];

/** Replaces the integer opcode at one of `ops` (from pickleIntOps) by a hostile value (HOSTILE_PICKLE). */
export function mutatePickle(src: Uint8Array, rng: Rng, ops: number[]): Mutation {
  const p = ops[Math.floor(rng.next() * ops.length)];
  const [what, bytes] = HOSTILE_PICKLE[Math.floor(rng.next() * HOSTILE_PICKLE.length)];
  const end = p + INT_OPS.get(src[p])!;
  return {
    bytes: new Uint8Array([...src.subarray(0, p), ...bytes, ...src.subarray(end)]),
    what: `int at ${p} -> ${what}`,
  };
}
