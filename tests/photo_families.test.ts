// The photo family declarations (lib/enhance/photo_registry.ts) drive the config reader, `deno task new`
// and `--help`: every family documents its keys and parses with its defaults, a key of another family is
// refused with the declared reason, `new --help` lists the families, `new` writes the unset keys of the
// preset's family as comments, and what a family does not support is refused with its reason.
import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { parse } from "@std/toml";
import { parsePhotoConfig } from "../lib/enhance/config.ts";
import { familiesHelp } from "../lib/enhance/family_doc.ts";
import { photoFamilies } from "../lib/enhance/photo_registry.ts";
import { buildNet } from "../lib/enhance/nets.ts";
import { CliExit } from "../lib/cli/args.ts";
import { main as newMain, newExperiment } from "../lib/cli/new.ts";
import { loadExperiment } from "../lib/cli/all_tasks.ts";

const F = "experiments/x/config.toml";
const REQUIRED: Record<string, Record<string, string>> = { pca: { source: "experiments/3dlut" } };

Deno.test("every photo family documents its keys and parses with its defaults", () => {
  const names = photoFamilies.names();
  assertEquals(names.slice(0, 8), [
    "3dlut",
    "clutnet",
    "pca",
    "hashlut",
    "adaint",
    "seplut",
    "lutbgrid",
    "icelut",
  ]);
  for (const name of names) {
    const f = photoFamilies.get(name);
    assert(f.doc.length > 10, `${name}: no doc line`);
    for (const [key, s] of Object.entries(f.settings)) {
      assert(s.doc.length > 5, `${name}: model.${key} has no doc`);
    }
    const c = parsePhotoConfig({ model: { family: name, ...REQUIRED[name] } }, F);
    assertEquals(c.model.family, name);
    assertEquals(c.train, { ...f.train, gan: undefined });
  }
});

Deno.test("a key of another family is refused: with the declared reason, or naming the allowed keys", () => {
  const bad = (model: Record<string, unknown>, msg: string) =>
    assertThrows(() => parsePhotoConfig({ model }, F), Error, `${F}: ${msg}`);
  bad({ family: "hashlut", thumb: 128 }, 'model.thumb is not a setting of family "hashlut": its expert CNN');
  bad(
    { family: "pca", source: "a", backbone: "Backbone" },
    'model.backbone is not a setting of family "pca"',
  );
  bad(
    { family: "seplut", dim: 17 },
    "unknown key model.dim (allowed: family, base_feats, dim3d, dim1d, luts)",
  );
  bad({ family: "3dlut", luts: 3, dimm: 9 }, "unknown key model.dimm (allowed: family, luts, dim,");
  assertThrows(
    () => parsePhotoConfig({ model: { family: "pca", source: "a" }, train: { mode: "unpaired" } }, F),
    Error,
    'train.mode = "unpaired" is not for family "pca" (BL-B is fitted, not trained)',
  );
});

Deno.test("new --help lists the families; new writes the family's unset keys as comments", async () => {
  const help = await assertRejects(() => newMain(["--help"]), CliExit);
  for (const name of photoFamilies.names()) assertStringIncludes(help.message, `  ${name}: `);
  assertStringIncludes(
    familiesHelp(),
    "[model] levels, log2_table_size, base_resolution, max_resolution, backbone",
  );
  const dir = join(await Deno.makeTempDir({ prefix: "photo_families" }), "mine");
  try {
    const text = await Deno.readTextFile(await newExperiment(dir, "bl-a"));
    assertStringIncludes(text, '# [model] family "3dlut" also takes');
    const commented = text.split("\n").filter((l) => l.startsWith("#   ")).map((l) =>
      l.slice(4).split(" ")[0]
    );
    const model = (parse(text) as { model: Record<string, unknown> }).model;
    const unset = Object.keys(photoFamilies.get("3dlut").settings).filter((k) => !(k in model));
    assert(unset.length > 0, "the preset sets every key");
    assertEquals(commented, unset);
    assertEquals((await loadExperiment(dir)).task, "enhance"); // the written file validates
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

Deno.test("what a family does not support is refused with its reason", async () => {
  const ice = parsePhotoConfig({ model: { family: "icelut" } }, F);
  await assertRejects(
    () => buildNet(ice),
    Error,
    'family "icelut" cannot be trained: ICELUT: the released form',
  );
  assert(photoFamilies.get("lutbgrid").unsupported?.cube?.includes("bilateral grids"));
});
