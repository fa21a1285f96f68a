/**
 * The @example blocks of the public entry points (buildNet, buildSrModel, the LUT ops, readCube/writeCube,
 * parsePth) run as written: `deno test --doc` on their modules (the pth example reads the shared data).
 */
import { assert } from "@std/assert";
import { dirname, fromFileUrl, join } from "@std/path";
import { sharedDataDir } from "../lib/core/shared.ts";

const root = join(dirname(fromFileUrl(import.meta.url)), "..");
const WITH_EXAMPLES = [
  "lib/enhance/nets.ts",
  "lib/sr/models/models.ts",
  "lib/lut/lut3d.ts",
  "lib/lut/simplex.ts",
  "lib/formats/cube.ts",
  "lib/formats/pth.ts",
];

Deno.test("layout: the entry points' @examples run", { ignore: !sharedDataDir() }, async () => {
  for (const f of WITH_EXAMPLES) {
    assert(Deno.readTextFileSync(join(root, f)).includes("@example"), `${f} has no @example`);
  }
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--doc", ...WITH_EXAMPLES],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
  assert(o.success, text);
  assert(/ok \| 6 passed \| 0 failed/.test(text), text);
});
