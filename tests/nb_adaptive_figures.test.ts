// Figures of notebook 07 for AdaInt and SepLUT (lib/analysis/adaptive_luts.ts): vertex density and 1D
// curves from hand-made tables (exact values) and from the imported checkpoints on 2 FiveK pairs.
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { join } from "@std/path";
import { curves1dFigure, vertexDensity, vertexDensityFigure } from "../lib/analysis/adaptive_luts.ts";
import { describe } from "../lib/analysis/figure.ts";
import { initTf } from "../lib/core/backend.ts";
import { sharedPath } from "../lib/core/shared.ts";
import { readPth } from "../lib/formats/pth.ts";
import { importAdaInt, importSepLut } from "../lib/enhance/models/import_adaptive.ts";
import { expertPairs } from "../lib/bench/adaptive_published.ts";

Deno.test("vertexDensity: 1 on a uniform lattice, 2 where the interval halves; errors name the vertex", () => {
  assertEquals(vertexDensity([0, 0.5, 1]).density, [1, 1]);
  const d = vertexDensity([0, 0.25, 0.5, 1]);
  assertEquals(d.mid, [0.125, 0.375, 0.75]);
  d.density.forEach((v, i) => assertAlmostEquals(v, [4 / 3, 4 / 3, 2 / 3][i], 1e-12));
  assertThrows(() => vertexDensity([0, 0.5, 0.5, 1]), Error, "v[1] = 0.5, v[2] = 0.5");
});

Deno.test("vertexDensityFigure / curves1dFigure: three channel panels, one line per image + reference", () => {
  const v = [0, 0.3, 1, 0, 0.5, 1, 0, 0.7, 1];
  const fig = vertexDensityFigure([{ name: "a", values: v }, { name: "b", values: v }]);
  assertEquals(fig.data.length, 3 * 3); // 2 images + the uniform reference, per channel
  assertEquals(fig.data.map((t) => t.yaxis), ["y", "y", "y", "y2", "y2", "y2", "y3", "y3", "y3"]);
  assertAlmostEquals((fig.data[0].y as number[])[0], 1 / (2 * 0.3), 1e-12);
  const c = curves1dFigure([{ name: "x", values: [0, 0.6, 1, 0.1, 0.5, 0.9, 0, 0.2, 1] }]);
  assertEquals(c.data[0].x as number[], [0, 0.5, 1]);
  assertEquals(c.data[2].y as number[], [0.1, 0.5, 0.9]);
  assertThrows(() => curves1dFigure([{ name: "x", values: [0, 1, 2, 3] }]), Error, "x has 4 values");
  assertThrows(() => vertexDensityFigure([]), Error, "no images");
});

const P = sharedPath("pretrained"), pairs = sharedPath("FiveK", "dpe_expertC_pairs");

Deno.test({
  name: "figures of the imported AdaInt vertices and SepLUT curves on 2 FiveK pairs",
  ignore: !P || !pairs,
  async fn() {
    await initTf();
    const data = (await expertPairs()).slice(0, 2);
    const ada = importAdaInt(await readPth(join(P!, "adaint", "AiLUT-FiveK-sRGB.pth")), "adaint");
    const sep = importSepLut(
      await readPth(join(P!, "seplut", "SepLUT-FiveK-sRGB-M8#3D17#1D17.pth")),
      "seplut",
    );
    const verts = await Promise.all(
      data.map(async (p) => ({ name: p.name, values: (await ada.adaptive(p.input)).vertices })),
    );
    const curves = await Promise.all(
      data.map(async (p) => ({ name: p.name, values: (await sep.tables(p.input)).lut1d })),
    );
    const vf = vertexDensityFigure(verts), cf = curves1dFigure(curves);
    for (const v of verts) {
      for (let c = 0; c < 3; c++) {
        assertAlmostEquals(v.values[c * 33], 0, 1e-7);
        assertAlmostEquals(v.values[c * 33 + 32], 1, 1e-5);
      }
    }
    // the learned lattice is not uniform: densities spread by more than 0.3 around 1
    const dens = vf.data.filter((t) => t.name !== "uniform lattice").flatMap((t) => t.y as number[]);
    assert(
      Math.max(...dens) - Math.min(...dens) > 0.3,
      `densities ${Math.min(...dens)}..${Math.max(...dens)}`,
    );
    const ys = cf.data.filter((t) => t.name !== "identity").flatMap((t) => t.y as number[]);
    assert(ys.every((y) => y > 0 && y < 1), "sigmoid curves lie in (0,1)");
    console.log(describe(vf));
    console.log(`max density ${Math.max(...dens).toFixed(2)}, min ${Math.min(...dens).toFixed(2)}`);
    ada.dispose();
    sep.dispose();
  },
});
