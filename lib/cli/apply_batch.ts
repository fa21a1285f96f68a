/**
 * `deno task apply` over many images: each image is read, transformed and written on its own, so a file that
 * cannot be decoded (or fails otherwise) is reported by name and the rest still run; the summary counts the
 * written, skipped and failed images, and any failure makes the command fail at the end (exit 1) with the
 * list. `--skip-existing` leaves the outputs that are already there, so a rerun continues an interrupted or
 * partly failed folder (outputs are written atomically: an existing one is complete).
 */
/** One image to process: input file and output file. */
export type ImageJob = { input: string; output: string };

/** The jobs whose output does not exist yet, and how many were left out. */
export async function withoutExisting(jobs: ImageJob[]): Promise<{ jobs: ImageJob[]; skipped: number }> {
  const todo: ImageJob[] = [];
  for (const j of jobs) {
    if (!(await Deno.lstat(j.output).then(() => true, () => false))) todo.push(j);
  }
  return { jobs: todo, skipped: jobs.length - todo.length };
}

/** One image that failed: its input file and the error's message. */
type Failure = { input: string; error: string };

/**
 * Runs `run` on every job in order, printing progress with `say` and each failure with `warn` (naming the
 * input), and carries on after a failure; throws at the end when any failed, with the summary and the list.
 */
export async function applyEach(
  jobs: ImageJob[],
  run: (job: ImageJob) => Promise<void>,
  say: (s: string) => void,
  warn: (s: string) => void,
  skipped = 0,
): Promise<string[]> {
  const t0 = performance.now(), written: string[] = [], failed: Failure[] = [];
  for (const [i, j] of jobs.entries()) {
    try {
      await run(j);
      written.push(j.output);
    } catch (e) {
      if (jobs.length === 1 && skipped === 0) throw e; // one image: its own error is the whole story
      failed.push({ input: j.input, error: (e as Error).message });
      warn(`apply ${i + 1}/${jobs.length}: ${j.input} FAILED: ${(e as Error).message} (continuing)`);
      continue;
    }
    const secs = (performance.now() - t0) / 1000, eta = (secs / (i + 1)) * (jobs.length - i - 1);
    say(
      `apply ${i + 1}/${jobs.length}: ${j.input} -> ${j.output} (${secs.toFixed(1)} s, ETA ${
        eta.toFixed(0)
      } s)`,
    );
  }
  const summary = `${written.length} written, ${skipped} skipped (output exists), ${failed.length} failed`;
  if (failed.length === 0) {
    say(`apply: ${summary}`);
    return written;
  }
  const list = failed.map((f) => `\n  ${f.input}: ${f.error}`).join("");
  throw new Error(
    `${summary}:${list}\n${written.length ? "the other images were written; " : ""}after fixing or ` +
      `removing these, rerun with --skip-existing to do only what is missing`,
  );
}
