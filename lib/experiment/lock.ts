/**
 * One run per experiment folder at a time: `<folder>/run.lock`, created exclusively (O_EXCL), holds the
 * holder's pid, host and start time as JSON. A second run fails with an error naming the holder; a lock
 * whose process is gone (same host, no /proc/<pid>) is stale and taken over with a message.
 */
import { join } from "@std/path";

/** What a lock file records about its holder. */
export type LockInfo = { pid: number; host: string; started: string };

/** A held lock; `release` removes the file (idempotent). */
export type Lock = { path: string; release(): Promise<void> };

/** Whether the holder recorded in `info` is alive (another host: assumed alive, it cannot be checked). */
function alive(info: LockInfo): boolean {
  if (info.host !== Deno.hostname()) return true;
  try {
    Deno.statSync(`/proc/${info.pid}`);
    return true;
  } catch {
    return false;
  }
}

async function readInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await Deno.readTextFile(path)) as LockInfo;
    return Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined; // vanished, or torn by a crash between create and write: stale
  }
}

/** Takes the lock of experiment folder `dir` (created if needed); `say` reports a stale lock taken over. */
export async function acquireLock(dir: string, say: (s: string) => void = console.log): Promise<Lock> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "run.lock");
  const info: LockInfo = { pid: Deno.pid, host: Deno.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const f = await Deno.open(path, { createNew: true, write: true });
      await f.write(new TextEncoder().encode(JSON.stringify(info) + "\n"));
      f.close();
      let held = true;
      return {
        path,
        release: async () => {
          if (held) await Deno.remove(path).catch(() => {});
          held = false;
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw new Error(`lock ${path}: ${(e as Error).message}`);
    }
    const holder = await readInfo(path);
    if (holder && alive(holder)) {
      throw new Error(
        `${dir} is in use by another run (pid ${holder.pid} on ${holder.host}, started ${holder.started}); ` +
          `wait for it to finish or stop it (lock file ${path})`,
      );
    }
    say(`taking over the stale lock ${path}` + (holder ? ` (pid ${holder.pid} is no longer running)` : ""));
    await Deno.remove(path).catch(() => {});
  }
  throw new Error(`lock ${path}: could not take the lock (another run keeps taking it)`);
}
