/**
 * The library's layout stays readable as its architecture: no file-level import cycle under lib/ (type-only
 * imports included), the shared packages (core, nn, image, formats, lut, data, experiment) import no task
 * package (enhance, sr, analysis, sweep, bench, cli), and every package folder of lib/ has a mod.ts that a
 * notebook can import.
 */
import { assert, assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join, normalize, relative, toFileUrl } from "@std/path";

const root = join(dirname(fromFileUrl(import.meta.url)), "..");
const lib = join(root, "lib");
const IMPORT = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+\.ts)["']/g;
const COMMENT_LINE = /^\s*\*.*$/gm;

/** Every .ts file below `dir` (absolute paths). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...tsFiles(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** Relative-import graph of lib/: file -> files it imports. */
function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(lib)) {
    const text = Deno.readTextFileSync(f).replace(COMMENT_LINE, ""); // not the imports of @example blocks
    g.set(f, [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(f), m[1]))));
  }
  return g;
}

/** The cycles found by a depth-first walk, each as the list of files around it (relative to the repo). */
function cycles(g: Map<string, string[]>): string[][] {
  const state = new Map<string, 1 | 2>(), found: string[][] = [], stack: string[] = [];
  const visit = (u: string) => {
    state.set(u, 1), stack.push(u);
    for (const v of g.get(u) ?? []) {
      if (state.get(v) === 1) found.push([...stack.slice(stack.indexOf(v)), v].map((p) => relative(root, p)));
      else if (!state.has(v)) visit(v);
    }
    stack.pop(), state.set(u, 2);
  };
  for (const f of g.keys()) if (!state.has(f)) visit(f);
  return found;
}

Deno.test("layout: no import cycles under lib/", () => {
  assertEquals(cycles(importGraph()).map((c) => c.join(" -> ")), []);
});

Deno.test("layout: the cycle finder sees a cycle", () => {
  const a = join(lib, "a.ts"), b = join(lib, "b.ts");
  assertEquals(cycles(new Map([[a, [b]], [b, [a]]])).length, 1);
});

/** Packages every task builds on, and the task packages above them (lib/<name>/). */
const SHARED = ["core", "nn", "image", "formats", "lut", "data", "experiment"];
const TASKS = ["enhance", "sr", "analysis", "sweep", "bench", "cli"];

/** Imports (type-only and dynamic included) from a shared package into a task package, as "from -> to". */
function upwardImports(g: Map<string, string[]>): string[] {
  const pkg = (f: string) => relative(lib, f).split("/")[0];
  return [...g].flatMap(([f, ts]) =>
    SHARED.includes(pkg(f))
      ? ts.filter((t) => TASKS.includes(pkg(t))).map((t) => `${relative(root, f)} -> ${relative(root, t)}`)
      : []
  );
}

Deno.test("layout: the shared packages import no task package", () => {
  assertEquals(
    tsFiles(lib).map((f) => relative(lib, f).split("/")[0]).filter((p) =>
      !p.endsWith(".ts") && ![...SHARED, ...TASKS].includes(p)
    ),
    [],
    "a package of lib/ that is neither shared nor a task",
  );
  assertEquals(upwardImports(importGraph()), []);
});

Deno.test("layout: the layering check sees an upward import", () => {
  const g = new Map([[join(lib, "experiment/x.ts"), [join(lib, "enhance/models/backbone.ts")]]]);
  assertEquals(upwardImports(g), ["lib/experiment/x.ts -> lib/enhance/models/backbone.ts"]);
});

/** Folders of lib/ that are entry points, not packages a notebook imports: they need no mod.ts. */
const NO_MOD = ["bench", "cli"];
/** Modules a mod.ts leaves out on purpose: the plain-TS test references and the LUT ops' private webgpu path. */
const PRIVATE = /_ref\.ts$|\/webgpu\//;
const STAR = /^export \* from "(\.{1,2}\/[^"]+\.ts)";$/gm;
const NAMED = /^export \{([^}]*)\} from "(\.{1,2}\/[^"]+\.ts)";$/gm;

/** Every mod.ts under lib/ (absolute paths), packages' and sub-packages' (lib/sr/core, lib/sr/models). */
function modFiles(): string[] {
  return tsFiles(lib).filter((f) => f.endsWith("/mod.ts")).sort();
}

/** The modules a mod.ts re-exports with `export *`, following nested mod.ts files down to their modules. */
function starModules(mod: string): string[] {
  return [...Deno.readTextFileSync(mod).matchAll(STAR)].flatMap((m) => {
    const f = normalize(join(dirname(mod), m[1]));
    return f.endsWith("/mod.ts") ? starModules(f) : [f];
  });
}

Deno.test("layout: every package folder of lib/ has a mod.ts", () => {
  const missing = [...Deno.readDirSync(lib)].filter((e) => e.isDirectory && !NO_MOD.includes(e.name))
    .map((e) => `lib/${e.name}/mod.ts`).filter((f) => !tsFiles(lib).includes(join(root, f)));
  assertEquals(missing, []);
});

Deno.test("layout: each mod.ts re-exports every public module of its package, and no module imports it", () => {
  const graph = importGraph();
  for (const mod of modFiles()) {
    const dir = dirname(mod), covered = new Set(starModules(mod));
    const own = tsFiles(dir).filter((f) => !f.endsWith("/mod.ts") && !PRIVATE.test(relative(lib, f)));
    assertEquals(own.filter((f) => !covered.has(f)).map((f) => relative(root, f)), [], relative(root, mod));
    const importers = own.filter((f) =>
      graph.get(f)?.some((t) => t.startsWith(dir) && t.endsWith("/mod.ts"))
    );
    assertEquals(importers.map((f) => relative(root, f)), [], `modules importing ${relative(root, mod)}`);
  }
});

Deno.test("layout: every mod.ts type-checks (no ambiguous export *) and exports each of its modules' values", async () => {
  const mods = modFiles();
  assert(mods.length >= 11, `only ${mods.length} mod.ts files`);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), { args: ["check", ...mods], cwd: root })
    .output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  for (const mod of mods) {
    const ns: Record<string, unknown> = await import(toFileUrl(mod).href);
    const where = relative(root, mod);
    for (const f of starModules(mod)) {
      const m: Record<string, unknown> = await import(toFileUrl(f).href);
      for (const [name, value] of Object.entries(m)) {
        assert(ns[name] === value, `${where} lacks ${name} of ${relative(root, f)} (an ambiguous export *?)`);
      }
    }
    for (const [, names, spec] of Deno.readTextFileSync(mod).matchAll(NAMED)) {
      const m: Record<string, unknown> = await import(toFileUrl(normalize(join(dirname(mod), spec))).href);
      for (const n of names.split(",").map((s) => s.trim()).filter((s) => !s.startsWith("type "))) {
        assert(ns[n] !== undefined && ns[n] === m[n], `${where} lacks ${n} of ${spec}`);
      }
    }
  }
});
