// Helpers of the TensorBoard tests: decodes a run folder's event files with the independent Python reader
// (tests/fixtures/tensorboard/read_events.py: Debian's python3-protobuf, the published .proto field numbers,
// its own CRC32C) and compares them with the run's log.jsonl.
import { assert, assertEquals } from "@std/assert";
import { join } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";
import { readLog } from "../lib/experiment/log.ts";
import { isEventFile, scalarsOf } from "../lib/experiment/tensorboard.ts";

const PYTHON = "/usr/bin/python3";
const FIXTURE = join(repoRoot, "tests", "fixtures", "tensorboard");

/** Whether Debian's python3-protobuf is importable by /usr/bin/python3 (the reader's dependency). */
export const haveProtobuf = await new Deno.Command(PYTHON, {
  args: ["-c", "import google.protobuf.descriptor_pb2"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);
if (!haveProtobuf) console.log("TensorBoard decode tests skipped: /usr/bin/python3 lacks python3-protobuf");

/** One decoded Event. */
export type DecodedEvent = {
  file: string;
  wall_time: number;
  step: number;
  file_version?: string;
  session_start?: boolean;
  scalars?: Record<string, number>;
};

/** The event files of run folder `dir` in name (= creation) order, decoded by read_events.py. */
export async function decodeEvents(dir: string): Promise<{ files: string[]; events: DecodedEvent[] }> {
  const files = [];
  for await (const e of Deno.readDir(dir)) if (e.isFile && isEventFile(e.name)) files.push(join(dir, e.name));
  files.sort();
  const o = await new Deno.Command(PYTHON, {
    args: [join(FIXTURE, "read_events.py"), join(FIXTURE, "events_subset.proto"), ...files],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert(o.success, `read_events.py failed: ${dec.decode(o.stderr)}`);
  return { files, events: dec.decode(o.stdout).trim().split("\n").map((l) => JSON.parse(l)) };
}

/**
 * Asserts that the event files of `dir` hold exactly the log's records as scalars (float32 values), with
 * TensorBoard's reading: every file starts with file_version "brain.Event:2", and a SessionLog START at
 * step s drops the earlier files' points after s (a resume). Returns the decoded events.
 */
export async function assertEventsMatchLog(dir: string): Promise<DecodedEvent[]> {
  const { files, events } = await decodeEvents(dir);
  assert(files.length > 0, `no event files in ${dir}`);
  for (const f of files) {
    const first = events.find((e) => e.file === f)!;
    assertEquals(first.file_version, "brain.Event:2", f);
  }
  let points: { step: number; scalars: Record<string, number> }[] = [];
  for (const e of events) {
    if (e.session_start) points = points.filter((p) => p.step <= e.step);
    if (e.scalars) points.push({ step: e.step, scalars: e.scalars });
  }
  const log = await readLog(join(dir, "log.jsonl"));
  const want = log.map((r) => ({
    step: r.step,
    scalars: Object.fromEntries(scalarsOf(r).map(([k, v]) => [k, Math.fround(v)])),
  }));
  assertEquals(points, want);
  return events;
}
