/**
 * Which experiment folders the repository ships: the folders under experiments/ whose config.toml or
 * sweep.toml git tracks. The others are the user's own (`deno task new experiments/mine`), which `--help`
 * lists apart from the shipped presets. Outside a git checkout (or without git) nothing can be told apart.
 */
import { basename, dirname } from "@std/path";

/** Names of the folders of `root` (an experiments/ folder) with a tracked config, or undefined without git. */
export function trackedExperiments(root: string): Set<string> | undefined {
  let out: Deno.CommandOutput;
  try {
    out = new Deno.Command("git", {
      args: ["-C", root, "ls-files", "-z", "--", "*/config.toml", "*/sweep.toml"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
  } catch {
    return undefined; // no git
  }
  if (!out.success) return undefined; // not a checkout
  const files = new TextDecoder().decode(out.stdout).split("\0").filter((f) => f !== "");
  return new Set(files.filter((f) => dirname(dirname(f)) === ".").map((f) => basename(dirname(f))));
}
