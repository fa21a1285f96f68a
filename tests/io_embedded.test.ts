import { assert, assertEquals, assertRejects } from "@std/assert";
import { embeddedPhotos, loadEmbedded } from "../lib/data/embedded.ts";
import { readImage } from "../lib/image/io.ts";
import { rgbToLab } from "../lib/image/color.ts";

Deno.test("embedded photos: listed with existing JPEG paths, decode as ~1024 px RGB, same as the file", async () => {
  const all = await embeddedPhotos();
  assertEquals(all.length, 9);
  assertEquals((await embeddedPhotos({ colourOnly: true })).length, all.filter((p) => !p.monochrome).length);
  for (const p of all.slice(0, 3)) {
    assert(Deno.statSync(p.path).isFile, p.path);
    const img = await loadEmbedded(p.name);
    assertEquals(img.channels, 3);
    assertEquals(Math.max(img.height, img.width), 1024, p.name);
    const fromFile = await readImage(p.path);
    assertEquals(fromFile.data, img.data);
  }
  await assertRejects(() => loadEmbedded("mona-lisa"), Error, "known: acanthus-mollis");
});

Deno.test("monochrome flag: chroma of flagged prints is explained by lightness (Lab a,b residual < 2.5)", async () => {
  for (const p of await embeddedPhotos()) {
    if (!p.monochrome) continue;
    const lab = rgbToLab(await loadEmbedded(p.name));
    const n = lab.height * lab.width, B = 20;
    const sa = new Float64Array(B),
      sb = new Float64Array(B),
      cnt = new Float64Array(B),
      bin = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.max(0, Math.min(B - 1, Math.floor((lab.data[i] / 100) * B)));
      bin[i] = k;
      sa[k] += lab.data[n + i];
      sb[k] += lab.data[2 * n + i];
      cnt[k]++;
    }
    let v = 0;
    for (let i = 0; i < n; i++) {
      const k = bin[i];
      v += (lab.data[n + i] - sa[k] / cnt[k]) ** 2 + (lab.data[2 * n + i] - sb[k] / cnt[k]) ** 2;
    }
    const spread = Math.sqrt(v / n);
    assert(
      spread < 2.5,
      `${p.name}: residual chroma ${spread.toFixed(2)} is too high for a monochrome print`,
    );
  }
});
