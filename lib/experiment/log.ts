/**
 * The training log of every task: `log.jsonl`, one JSON object per line, each with `step` (optimiser steps
 * done) and `seconds` (training time, continuing across resumes), e.g.
 * `{"step":10,"seconds":3.2,"loss":0.01,"psnr":20.1,"lr":0.001}` or `{"step":500,"seconds":160,"eval":{...}}`.
 * On resume the log is cut back to the checkpoint's step. A torn last line (a crash or a full disk during an
 * append) is dropped with a message; a corrupt line elsewhere is an error naming the file and line.
 */
import { writeFileAtomic } from "../core/atomic.ts";

/** One log line. */
export type LogRecord = { step: number; seconds: number; [key: string]: unknown };

/** Parses log text; `onTorn` hears about a dropped unparsable last line (no trailing newline or the last one). */
export function parseLog(text: string, file: string, onTorn: (msg: string) => void = () => {}): LogRecord[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const out: LogRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1) {
        onTorn(`${file}:${i + 1}: dropped a torn last line (${JSON.stringify(line.slice(0, 40))}...)`);
        return;
      }
      throw new Error(`${file}:${i + 1}: corrupt log line: ${(e as Error).message}`, { cause: e });
    }
    const step = (rec as LogRecord)?.step;
    if (typeof rec !== "object" || rec === null || !Number.isInteger(step)) {
      throw new Error(`${file}:${i + 1}: log line without an integer "step"`);
    }
    out.push(rec as LogRecord);
  });
  return out;
}

/** Reads a log file (missing file: empty). */
export async function readLog(file: string, onTorn?: (msg: string) => void): Promise<LogRecord[]> {
  const text = await Deno.readTextFile(file).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return "";
    throw new Error(`reading ${file}: ${(e as Error).message}`, { cause: e });
  });
  return parseLog(text, file, onTorn);
}

/** Rewrites `file` atomically keeping only the records with step <= `step` (resume from a checkpoint). */
export async function truncateLog(file: string, step: number, onTorn?: (msg: string) => void): Promise<void> {
  const kept = (await readLog(file, onTorn)).filter((r) => r.step <= step);
  await writeFileAtomic(file, kept.map((r) => JSON.stringify(r) + "\n").join(""));
}

/** Appends one record as a line. */
export async function appendLog(file: string, rec: LogRecord): Promise<void> {
  await Deno.writeTextFile(file, JSON.stringify(rec) + "\n", { append: true });
}
