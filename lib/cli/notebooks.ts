/**
 * `deno task notebooks [names...] [--write]`: executes notebooks/*.ipynb headless on the Deno kernel and
 * writes the executed copies to out/notebooks/. Fails when a cell errors or times out, or a code cell
 * produced no output. With --write, when every selected notebook passed, the executed copies (with their
 * outputs) replace the notebooks in notebooks/, each by an atomic rename; nothing is replaced otherwise.
 * The cell-by-cell driver is lib/cli/nbrun.py (waits for late outputs).
 *
 * `deno task notebooks:setup [--install-deps]`: installs the Deno Jupyter kernel for this deno binary (a
 * deno run from npx's cache gets a stable launcher instead, lib/cli/kernel_launcher.ts) and checks the
 * Debian Jupyter packages (installs them with --install-deps when running as root).
 *
 * Options: --timeout S (per cell, default 300), --out DIR (default out/notebooks), --quiet S (iopub
 * silence that ends a cell, default 0.5), --late S (extra wait for a cell still without output, default 5).
 */
import { basename, dirname, fromFileUrl, join, resolve } from "@std/path";
import {
  CliExit,
  exclusive,
  parseTaskArgs,
  runCli,
  str,
  type TaskArgs,
  type TaskSpec,
  usageText,
} from "./args.ts";
import { pinKernelspec } from "./kernel_launcher.ts";

const REPO = resolve(dirname(fromFileUrl(import.meta.url)), "..", "..");
const NOTEBOOKS = join(REPO, "notebooks");
/** The cell-by-cell Python driver. */
export const DRIVER = join(REPO, "lib", "cli", "nbrun.py");
/** System Python (Debian's Jupyter packages live there, not in a pyenv/venv Python). */
export const PYTHON = "/usr/bin/python3";
/** Debian packages the runner needs. */
export const DEBIAN_PACKAGES = [
  "jupyter-notebook",
  "python3-nbconvert",
  "python3-nbclient",
  "python3-ipykernel",
  "jupyter-nbconvert",
];

/** Runs a command with this process's stdout/stderr; true when it exits 0. */
async function inherit(cmd: string, args: string[], cwd?: string): Promise<boolean> {
  const child = new Deno.Command(cmd, { args, cwd, stdout: "inherit", stderr: "inherit" }).spawn();
  return (await child.status).success;
}

/** Runs a command, returning exit status and text output (stdout+stderr) without throwing. */
async function capture(cmd: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: out.success, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
  } catch (e) {
    return { ok: false, text: (e as Error).message };
  }
}

/** Debian packages of DEBIAN_PACKAGES that are not installed (all of them when dpkg is absent). */
export async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const p of DEBIAN_PACKAGES) {
    const r = await capture("dpkg-query", ["-W", "-f=${Status}", p]);
    if (!r.ok || !r.text.includes("install ok installed")) missing.push(p);
  }
  return missing;
}

/** The installed "deno" kernelspec's argv and folder, or undefined when there is none (or no Jupyter). */
export async function denoKernelspec(): Promise<{ argv: string[]; dir: string } | undefined> {
  const r = await capture(PYTHON, [
    "-c",
    "import json; from jupyter_client.kernelspec import KernelSpecManager as K\n" +
    "try: s = K().get_kernel_spec('deno'); print(json.dumps({'argv': s.argv, 'dir': s.resource_dir}))\n" +
    "except Exception: print('null')",
  ]);
  if (!r.ok) return undefined;
  return JSON.parse(r.text.trim().split("\n").at(-1) ?? "null") ?? undefined;
}

/** argv of the installed "deno" kernelspec, or undefined when there is none (or no Jupyter). */
export async function denoKernelArgv(): Promise<string[] | undefined> {
  return (await denoKernelspec())?.argv;
}

/** Why notebooks cannot run here (missing Python Jupyter modules or Deno kernel), or undefined when ready. */
export async function jupyterProblem(): Promise<string | undefined> {
  const mods = await capture(PYTHON, ["-c", "import nbformat, nbclient, jupyter_client"]);
  if (!mods.ok) {
    return `${PYTHON} cannot import nbformat/nbclient/jupyter_client: ` +
      `apt-get install -y ${DEBIAN_PACKAGES.join(" ")} (or deno task notebooks:setup --install-deps)`;
  }
  const argv = await denoKernelArgv();
  if (!argv) return "no Deno Jupyter kernel installed: run deno task notebooks:setup";
  try {
    Deno.statSync(argv[0]);
  } catch {
    return `the Deno kernelspec points to ${argv[0]}, which does not exist: run deno task notebooks:setup`;
  }
  return undefined;
}

/** Installs the Deno kernel (this deno binary) and checks / installs the Debian packages. */
export async function setup(installDeps: boolean): Promise<boolean> {
  let missing = await missingPackages();
  if (missing.length > 0) {
    const cmd = `apt-get update && apt-get install -y ${missing.join(" ")}`;
    if (installDeps && Deno.uid() === 0) {
      console.log(`installing ${missing.join(", ")} ...`);
      if (!(await inherit("sh", ["-c", `DEBIAN_FRONTEND=noninteractive ${cmd}`]))) {
        console.error(`notebooks:setup: "${cmd}" failed`);
        return false;
      }
      missing = await missingPackages();
    } else {
      console.error(
        `notebooks:setup: missing Debian packages: ${missing.join(" ")}\n  run: sudo ${cmd}` +
          (Deno.uid() === 0 ? "\n  (or: deno task notebooks:setup --install-deps)" : ""),
      );
      return false;
    }
  }
  if (!(await inherit(Deno.execPath(), ["jupyter", "--install", "--force"]))) {
    console.error(`notebooks:setup: ${Deno.execPath()} jupyter --install failed`);
    return false;
  }
  const spec = await denoKernelspec();
  if (spec) await pinKernelspec(spec.dir); // not into npx's cache (lib/cli/kernel_launcher.ts)
  const problem = await jupyterProblem();
  if (problem) {
    console.error(`notebooks:setup: ${problem}`);
    return false;
  }
  console.log(`notebooks:setup: Jupyter ready, Deno kernel -> ${(await denoKernelArgv())?.[0]}`);
  return true;
}

/** Notebook paths for `names` (file names with or without .ipynb, or prefixes like "01"); all when empty. */
export function selectNotebooks(names: string[], dir = NOTEBOOKS): string[] {
  const all = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ipynb")).map((e) =>
    e.name
  )
    .sort();
  if (names.length === 0) return all.map((n) => join(dir, n));
  return names.map((name) => {
    const key = basename(name).replace(/\.ipynb$/, "");
    const hits = all.filter((n) => n === `${key}.ipynb` || n.startsWith(key));
    if (hits.length !== 1) {
      throw new Error(
        `notebook "${name}": ${
          hits.length === 0 ? "no match" : `ambiguous (${hits.join(", ")})`
        } in ${dir} ` +
          `(have: ${all.join(", ")})`,
      );
    }
    return join(dir, hits[0]);
  });
}

export type RunOptions = { out?: string; timeout?: number; quiet?: number; late?: number };

/**
 * Executes `paths` into a fresh folder under out/ and, when all passed, renames each executed copy over
 * its source notebook (atomic per file; same filesystem). True when all passed and were written.
 */
export async function writeExecuted(paths: string[], opts: Omit<RunOptions, "out"> = {}): Promise<boolean> {
  await Deno.mkdir(join(REPO, "out"), { recursive: true });
  const out = await Deno.makeTempDir({ dir: join(REPO, "out"), prefix: "notebooks-write-" });
  try {
    if (!(await runNotebooks(paths, { ...opts, out }))) {
      console.error("notebooks --write: a notebook failed; no notebook was replaced");
      return false;
    }
    for (const path of paths) {
      const executed = join(out, basename(path));
      const tmp = `${path}.tmp-${Date.now().toString(36)}`;
      await Deno.copyFile(executed, tmp); // same folder as the target: the rename below is atomic
      await Deno.rename(tmp, path);
      console.log(`notebooks --write: ${path} updated (${(Deno.statSync(path).size / 1e6).toFixed(1)} MB)`);
    }
    return true;
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}

/** Executes notebooks with lib/cli/nbrun.py (output streamed to this process); true when all passed. */
export async function runNotebooks(paths: string[], opts: RunOptions = {}): Promise<boolean> {
  const problem = await jupyterProblem();
  if (problem) throw new Error(`notebooks: ${problem}`);
  const args = [DRIVER, "--out", opts.out ?? join(REPO, "out", "notebooks")];
  for (const k of ["timeout", "quiet", "late"] as const) {
    if (opts[k] !== undefined) args.push(`--${k}`, `${opts[k]}`);
  }
  return await inherit(PYTHON, [...args, ...paths], REPO);
}

const SPEC: TaskSpec = {
  task: "notebooks",
  usage:
    "[names...] [--write | --out DIR] [--timeout S] [--quiet S] [--late S] | --setup [--install-deps]\n" +
    "  --write: execute and store the notebooks with their outputs in notebooks/ (only when all pass)",
  boolean: ["setup", "install-deps", "write"],
  string: ["timeout", "out", "quiet", "late"],
  positionals: Infinity,
};

function num(a: TaskArgs, key: string): number | undefined {
  const s = str(a, key);
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!(v > 0)) {
    throw new CliExit(2, `--${key} must be a positive number of seconds, got ${s}\n${usageText(SPEC)}`);
  }
  return v;
}

/** `deno task notebooks` / `notebooks:setup` with `args`; true when everything passed. */
export async function main(args: string[]): Promise<boolean> {
  const a = parseTaskArgs(args, SPEC);
  if (a.flags.setup) return await setup(a.flags["install-deps"] === true);
  exclusive(a, ["write", "out"], SPEC);
  const paths = selectNotebooks(a.positionals);
  if (paths.length === 0) throw new Error(`no notebooks in ${NOTEBOOKS}`);
  const timing = { timeout: num(a, "timeout"), quiet: num(a, "quiet"), late: num(a, "late") };
  const out = str(a, "out");
  const t0 = performance.now();
  const ok = a.flags.write
    ? await writeExecuted(paths, timing)
    : await runNotebooks(paths, { out: out ? resolve(out) : undefined, ...timing });
  console.log(`notebooks: ${paths.length} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return ok;
}

if (import.meta.main) Deno.exit((await runCli("notebooks", () => main(Deno.args))) ? 0 : 1);
