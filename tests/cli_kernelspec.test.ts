// `deno task notebooks:setup` run by a deno from npx's cache (as `npx -y deno@2.9.6 task notebooks:setup` in
// .ci/run) installs a kernelspec that does not point into that cache: a launcher beside kernel.json runs the
// cached deno while it exists and `npx -y deno@<version>` once npm has cleaned it. Run with a temporary
// HOME, so the machine's own kernelspec is left alone.
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "@std/path";
import { repoRoot } from "../lib/core/shared.ts";
import { inNpxCache, pinKernelspec } from "../lib/cli/kernel_launcher.ts";
import { jupyterProblem, PYTHON } from "../lib/cli/notebooks.ts";

const dec = new TextDecoder();
const npxThere = new Deno.Command("sh", { args: ["-c", "command -v npx"] }).outputSync().success;
const ready = npxThere && (await jupyterProblem()) === undefined;

/** stdout of `cmd args` (asserting exit 0) with `env` added. */
async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  assert(o.success, `${cmd} ${args.join(" ")}: ${dec.decode(o.stderr)}`);
  return dec.decode(o.stdout);
}

Deno.test({
  name:
    "notebooks:setup from npx's deno: the kernelspec runs a launcher outside npx's cache, which still works when the cache is gone",
  ignore: !ready,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "kernelspec_home" });
    try {
      // the deno that `npx -y deno@2.9.6` runs: a binary in npx's cache
      const npxDeno = (await run("npx", ["-y", "deno@2.9.6", "eval", "console.log(Deno.execPath())"])).trim();
      assert(inNpxCache(npxDeno), npxDeno);
      const env = {
        HOME: home, // the kernelspec goes to <home>/.local/share/jupyter/kernels/deno
        DENO_DIR: Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME")!, ".cache", "deno"),
        npm_config_cache: join(Deno.env.get("HOME")!, ".npm"),
      };
      await run(npxDeno, ["run", "-A", join(repoRoot, "lib", "cli", "notebooks.ts"), "--setup"], env);
      const dir = join(home, ".local", "share", "jupyter", "kernels", "deno");
      const argv = JSON.parse(
        await run(PYTHON, [
          "-c",
          "import json; from jupyter_client.kernelspec import KernelSpecManager as K; " +
          "print(json.dumps(K().get_kernel_spec('deno').argv))",
        ], env),
      ) as string[];
      assertEquals(argv, [join(dir, "deno-kernel.sh"), "jupyter", "--kernel", "--conn", "{connection_file}"]);
      assert(!inNpxCache(argv[0]), argv[0]);
      assertStringIncludes(await run(argv[0], ["--version"]), "deno 2.9.6");

      // npx's cache cleaned: the launcher fetches the same version through npx
      await Deno.writeTextFile(join(dir, "kernel.json"), JSON.stringify({ argv: ["x", ...argv.slice(1)] }));
      const gone = join(home, ".npm", "_npx", "0123abcd", "node_modules", "deno", "deno");
      assertEquals(await pinKernelspec(dir, gone, "2.9.6"), join(dir, "deno-kernel.sh"));
      const script = await Deno.readTextFile(join(dir, "deno-kernel.sh"));
      assertStringIncludes(script, gone);
      assertStringIncludes(await run(join(dir, "deno-kernel.sh"), ["--version"]), "deno 2.9.6");
      // a deno outside npx's cache is written as it is
      await Deno.writeTextFile(join(dir, "kernel.json"), JSON.stringify({ argv: ["/usr/local/bin/deno"] }));
      assertEquals(await pinKernelspec(dir, "/usr/local/bin/deno", "2.9.6"), "/usr/local/bin/deno");
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
