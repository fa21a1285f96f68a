import { assertEquals, assertRejects } from "@std/assert";
import { join } from "@std/path";
import { writeFileAtomic, writeJsonAtomic } from "../lib/core/atomic.ts";

Deno.test("writeFileAtomic writes text and bytes, creates parent dirs, leaves no temp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "io_atomic_" });
  try {
    const p = join(dir, "a", "b", "c.txt");
    await writeFileAtomic(p, "hello");
    assertEquals(await Deno.readTextFile(p), "hello");
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    assertEquals(await Deno.readFile(p), new Uint8Array([1, 2, 3]));
    const names = [...Deno.readDirSync(join(dir, "a", "b"))].map((e) => e.name);
    assertEquals(names, ["c.txt"]);
    await writeJsonAtomic(join(dir, "x.json"), { a: [1, 2], b: "z" });
    assertEquals(JSON.parse(await Deno.readTextFile(join(dir, "x.json"))), { a: [1, 2], b: "z" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic fails with the path named when the target is a directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "io_atomic_" });
  try {
    await Deno.mkdir(join(dir, "d"));
    await assertRejects(() => writeFileAtomic(join(dir, "d"), "x"), Error, join(dir, "d"));
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["d"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
