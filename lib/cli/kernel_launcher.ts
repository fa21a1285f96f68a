/**
 * A stable command for the Deno Jupyter kernelspec. `deno jupyter --install` writes the running deno's
 * path into kernel.json; run through `npx -y deno@<version>` (README, .ci/run) that path lies in npx's
 * cache (~/.npm/_npx/<hash>/), which npm may clean, leaving a kernelspec that points at nothing. Then
 * `deno task notebooks:setup` writes a launcher script beside kernel.json instead: it runs that cached
 * deno while it exists (fast) and otherwise `npx -y deno@<the same version>`, which fetches it again.
 * A deno outside npx's cache (e.g. /usr/local/bin/deno) is used as it is.
 */
import { join } from "@std/path";
import { writeFileAtomic } from "../core/atomic.ts";

/** Whether `path` lies in npx's package cache (a `_npx` folder). */
export function inNpxCache(path: string): boolean {
  return /[\\/]_npx[\\/]/.test(path);
}

/** The first `name` on PATH (absolute path), or undefined. */
function onPath(name: string): string | undefined {
  for (const d of (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "")) {
    try {
      if (Deno.statSync(join(d, name)).isFile) return join(d, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The launcher script: `deno` while it exists, else `npx -y deno@version` (npx as found now, else on PATH). */
export function launcherScript(deno: string, version: string, npx = onPath("npx") ?? "npx"): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return `#!/bin/sh
# The Deno Jupyter kernel, written by \`deno task notebooks:setup\` (lutlab lib/cli/kernel_launcher.ts):
# deno ${version} from npx's cache while it is there, else fetched again by npx.
[ -x ${q(deno)} ] && exec ${q(deno)} "$@"
exec ${q(npx)} -y deno@${version} "$@"
`;
}

/**
 * Points the kernelspec in folder `dir` (its kernel.json) at a stable deno: for a `deno` in npx's cache, a
 * launcher script `deno-kernel.sh` written beside it; returns the command now in argv[0].
 */
export async function pinKernelspec(
  dir: string,
  deno = Deno.execPath(),
  version = Deno.version.deno,
): Promise<string> {
  const file = join(dir, "kernel.json");
  const spec = JSON.parse(await Deno.readTextFile(file)) as { argv: string[] };
  if (!inNpxCache(deno)) return spec.argv[0];
  const launcher = join(dir, "deno-kernel.sh");
  await writeFileAtomic(launcher, launcherScript(deno, version));
  await Deno.chmod(launcher, 0o755);
  spec.argv[0] = launcher;
  await writeFileAtomic(file, JSON.stringify(spec, null, 2) + "\n");
  return launcher;
}
