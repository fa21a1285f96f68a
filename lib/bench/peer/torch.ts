/**
 * Runs the PyTorch peer script lib/bench/peer/torch_steps.py with /usr/bin/python3 (Debian's python3-torch)
 * and other peer processes (mpirun), reading the JSON line they print. PyTorch is never a dependency of
 * lib/: without it the bench sections say so and skip the peer rows.
 */
import { fromFileUrl } from "@std/path";

const PEER = fromFileUrl(new URL("./torch_steps.py", import.meta.url));
/** The interpreter with python3-torch (Debian's, not a pyenv shim). */
export const PYTHON = "/usr/bin/python3";

/** What a peer process reports: a median step time, or why it did not run. */
export type PeerResult = { ms?: number; error?: string };

/** Runs `cmd args` (extra `env`), returning the last JSON line it printed, else its last stderr line as error. */
export async function runPeer(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<PeerResult> {
  const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped", stdin: "null" })
    .output();
  const dec = new TextDecoder();
  const line = dec.decode(o.stdout).trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (line) return JSON.parse(line) as PeerResult;
  return { error: (dec.decode(o.stderr).trim().split("\n").at(-1) ?? "") || `exit ${o.code}` };
}

/** Whether `cmd args` runs and exits 0 (e.g. `python3 -c "import torch"`). */
export function available(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Whether /usr/bin/python3 imports torch. */
export function torchAvailable(): boolean {
  return available(PYTHON, ["-c", "import torch"]);
}

/** Median ms of the peer script's `model` step with `flags` (--batch, --crop, --threads, --ranks, --reps). */
export function torchStep(
  model: string,
  flags: Record<string, number>,
  threads: number,
): Promise<PeerResult> {
  const args = [PEER, "--model", model, ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)])];
  return runPeer(PYTHON, args, { OMP_NUM_THREADS: String(threads) });
}
