/**
 * Atomic file writes: data goes to `${path}.tmp-${pid}` in the same directory, then is renamed over
 * `path`, so readers never see a half-written file. Parent directories are created as needed.
 */
import { dirname } from "@std/path";

/** Writes bytes or UTF-8 text to `path` atomically (temp file in the same dir + rename). */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(`writing ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Writes `value` as pretty-printed JSON (2-space indent, trailing newline) to `path` atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
