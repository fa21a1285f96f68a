// Grid occupancy (lib/enhance/models/occupancy.ts): exact counts on constructed colour sets, and the FiveK pairs.
import { assert, assertEquals } from "@std/assert";
import {
  gridOccupancy,
  hashGridOccupancy,
  lutOccupancy,
  uniqueColours,
} from "../lib/enhance/models/occupancy.ts";
import type { Image } from "../lib/image/io.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { readImage } from "../lib/image/io.ts";

const spec = { levels: 7, featuresPerLevel: 2, log2TableSize: 13, baseResolution: 9, maxResolution: 64 };

function image(rgb: number[][]): Image {
  const n = rgb.length, data = new Float32Array(3 * n);
  rgb.forEach((c, p) => c.forEach((v, ch) => (data[ch * n + p] = v)));
  return { data, channels: 3, height: 1, width: n };
}

Deno.test("occupancy: exact 3D LUT counts for lattice and mid-cell colours", () => {
  // 0 and 1 on a D=3 lattice are vertices (1 vertex each); 0.25 lies inside a cell (8 vertices).
  const cols = uniqueColours([image([[0, 0, 0], [1, 1, 1], [0, 0, 0], [0.25, 0.25, 0.25]])]);
  assertEquals(cols.length, 3);
  const o = lutOccupancy(cols, 3);
  assertEquals(o.vertices, 27);
  assertEquals(o.touched, 1 + 1 + 7); // the mid-cell colour's cell includes vertex (0,0,0)
  // greys strictly inside the single cell of a D=2 LUT give weight to all 8 of its vertices
  const all = uniqueColours([image(Array.from({ length: 256 }, (_, i) => [i / 255, i / 255, i / 255]))]);
  assertEquals(lutOccupancy(all, 2).touched, 2 + 6); // both corners + the 6 others of the single cell
});

Deno.test("occupancy: hash levels count vertices, slots and collisions consistently", () => {
  const img = image(
    Array.from({ length: 4096 }, (_, i) => [(i % 16) / 15, ((i >> 4) % 16) / 15, (i >> 8) / 15]),
  );
  const levels = hashGridOccupancy(uniqueColours([img]), spec);
  assertEquals(levels.length, 7);
  for (const l of levels) {
    assert(l.touchedSlots <= l.tableSize && l.touchedSlots <= l.touchedVertices);
    assertEquals(l.collisions, l.touchedVertices - l.touchedSlots);
    assert(l.vertexFraction > 0 && l.vertexFraction <= 1 && l.slotFraction <= 1);
  }
  // level 0 (scale 8, 16 evenly spaced values per axis): every axis touches all 10 lattice layers 0..9
  assertEquals(levels[0].touchedVertices, 1000);
  // the +0.5 offset makes layer 9 wrap onto storage of layer 0 in a dense level: collisions appear
  assert(levels[0].collisions > 0);
});

Deno.test({
  name: "occupancy: FiveK expert-C inputs, 3D LUT 33 vs HashLUT 7+13 levels",
  ignore: !sharedPath("FiveK", "dpe_expertC_pairs", "input"),
  fn: async () => {
    const dir = sharedPath("FiveK", "dpe_expertC_pairs", "input")!;
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".png")).sort();
    const images = await Promise.all(names.map((n) => readImage(`${dir}/${n}`, { channels: 3 })));
    const o = gridOccupancy(images, { lutSizes: [17, 33, 64], hash: spec });
    console.log(`${o.colours} distinct colours in ${images.length} images`);
    for (const l of o.lut) {
      console.log(`3D LUT ${l.size}: ${(100 * l.fraction).toFixed(2)}% vertices touched`);
    }
    for (const l of o.hash) {
      console.log(
        `hash level ${l.level} res ${l.resolution}${l.dense ? " dense" : " hashed"}: ` +
          `${(100 * l.vertexFraction).toFixed(2)}% lattice, ${(100 * l.slotFraction).toFixed(2)}% slots, ` +
          `${l.collisions} collisions`,
      );
    }
    // 3D LUT occupancy falls with size; hashed levels use most of their table for far fewer slots
    assert(o.lut[0].fraction > o.lut[1].fraction && o.lut[1].fraction > o.lut[2].fraction);
    const hashed = o.hash.filter((l) => !l.dense);
    assert(hashed.every((l) => l.slotFraction > l.vertexFraction));
  },
});
