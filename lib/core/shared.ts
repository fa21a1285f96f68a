/**
 * Location of the shared benchmark data (Set5, Set14, B100, T91, DF2K subset, FiveK pairs, pretrained
 * artifacts): `LUTLAB_DATA` if set, else `../shared/data` beside the repository. Never copied into
 * the project; tests that need it are skipped (with a message) when it is absent.
 */
import { dirname, fromFileUrl, join, resolve } from "@std/path";

export const repoRoot: string = resolve(dirname(fromFileUrl(import.meta.url)), "..", "..");

/** Absolute path of the shared data folder, or undefined when it does not exist. */
export function sharedDataDir(): string | undefined {
  const dir = Deno.env.get("LUTLAB_DATA") ?? join(repoRoot, "..", "shared", "data");
  try {
    return Deno.statSync(dir).isDirectory ? resolve(dir) : undefined;
  } catch {
    return undefined;
  }
}

/** `sharedDataDir()/...parts`, or undefined when the shared data (or that path) is absent. */
export function sharedPath(...parts: string[]): string | undefined {
  const dir = sharedDataDir();
  if (!dir) return undefined;
  const p = join(dir, ...parts);
  try {
    Deno.statSync(p);
    return p;
  } catch {
    return undefined;
  }
}

/** Resolves "shared:<path>" in the shared data folder (error when absent); other paths as given. */
export function resolveShared(p: string): string {
  if (!p.startsWith("shared:")) return p;
  const r = sharedPath(...p.slice(7).split("/"));
  if (!r) {
    throw new Error(`"${p}": not found in the shared data folder (set LUTLAB_DATA or place ../shared/data)`);
  }
  return r;
}
