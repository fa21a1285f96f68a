/**
 * One comparison of every photo LUT method with released FiveK sRGB weights (issue 22): 3DLUT, CLUT-Net
 * (2 configs), HashLUT (2), AdaInt, SepLUT (3), LUTwithBGrid and ICELUT, each loaded through its preset in
 * experiments/ (`loadPretrained`) and scored on the 12 shared FiveK expert-C pairs (PSNR / SSIM / ΔE76 of the
 * 8-bit output, as `deno task eval`); parameters (`paramCount`; ICELUT: table entries), storage (bytes of the
 * released files), the error of the `.cube` form that `deno task export` writes (the file formatted, parsed
 * and applied again, against the model's own output: max / mean |difference| on the 12 pairs, in [0,1]), the
 * 4K (3840x2160) `enhance` time on the host (median of 3 after one warm-up; the load average is recorded) and
 * each paper's published FiveK numbers with their source (null where no citable number was read here).
 * Writes notebooks/data/photo_compare.json and prints the Markdown table (README "Photo LUT methods").
 * Run: deno run -A lib/bench/photo_compare.ts [--no-time] (or --published: refresh only the published numbers)
 */
import { join } from "@std/path";
import { initTf } from "../core/backend.ts";
import { writeJsonAtomic } from "../core/atomic.ts";
import { repoRoot, resolveShared } from "../core/shared.ts";
import { loadPhotoConfig } from "../enhance/config.ts";
import { loadPretrained } from "../enhance/nets.ts";
import { familyOf } from "../enhance/photo_registry.ts";
import { trainedInterpolation } from "../enhance/interpolation.ts";
import { meanScores, scorePair, type Scores } from "../enhance/score.ts";
import type { Image } from "../image/io.ts";
import { formatCubeFile, parseCubeFile, type Vec3 } from "../formats/cube.ts";
import { applyLutStages } from "../lut/lut_file.ts";
import { expertPairs, PUBLISHED as ADAPTIVE_PUBLISHED } from "./adaptive_published.ts";
import { medianMs } from "./report.ts";

/** A paper's published FiveK numbers: null where not read from a citable source here. */
export type Published = {
  psnr: number | null;
  ssim: number | null;
  deltaE: number | null;
  /** the FiveK setting the number is for (split, resolution, colour space) */
  setting: string | null;
  source: string;
};

const CLUT_README =
  "Xian-Bei/CLUT README @ 88868fc (section Evaluation: the released FiveK models with their PSNR; section " +
  "Data: the setting of Image-Adaptive-3DLUT) and the author in Xian-Bei/CLUT issue #6 (2023-09-13: the " +
  "README's PSNRs are of 480p training and test images); no table number, SSIM/ΔE not in the README";
const CLUT_SETTING = "FiveK expert C, 480p sRGB, 3DLUT split (4,500 train / 500 test)";
const NOT_READ = (paper: string) =>
  `${paper}: the paper's FiveK table was not readable from this machine (the search index holds only the ` +
  "first page of its arXiv HTML) and the repository README has no numbers; left blank";

/** The methods of the comparison (preset folder under experiments/, label) with their published numbers. */
export const METHODS: { preset: string; label: string; published: Published }[] = [
  {
    preset: "3dlut",
    label: "3DLUT (Zeng, TPAMI 2020)",
    published: {
      psnr: null,
      ssim: null,
      deltaE: null,
      setting: null,
      source: NOT_READ("Image-Adaptive 3DLUT (TPAMI 2020, arXiv 2009.14468)") +
        " (HuiZeng/Image-Adaptive-3DLUT README @ b491f6d)",
    },
  },
  ...([
    ["clutnet-20+05+10", "CLUT-Net 20+05+10 (MM 2022)", 25.56],
    ["clutnet-20+05+20", "CLUT-Net 20+05+20 (MM 2022)", 25.68],
    ["hashlut-7+13", "HashLUT 7+13", 25.62],
    ["hashlut-6+13-small", "HashLUT 6+13 SmallBackbone", 25.57],
  ] as const).map(([preset, label, psnr]) => ({
    preset,
    label,
    published: { psnr, ssim: null, deltaE: null, setting: CLUT_SETTING, source: CLUT_README },
  })),
  {
    preset: "adaint-fivek",
    label: "AdaInt (CVPR 2022)",
    published: { ...ADAPTIVE_PUBLISHED["adaint-fivek"], setting: "FiveK expert C, 480p sRGB (test)" },
  },
  ...([
    ["seplut-m8-17", "SepLUT M8#3D17#1D17 (ECCV 2022)"],
    ["seplut-m8-33", "SepLUT M8#3D33#1D33"],
    ["seplut-m6-9", "SepLUT M6#3D9#1D9"],
  ] as const).map(([preset, label]) => ({
    preset,
    label,
    published: {
      psnr: null,
      ssim: null,
      deltaE: null,
      setting: null,
      source: NOT_READ("SepLUT (ECCV 2022, arXiv 2207.08351)") + " (ImCharlesY/SepLUT README @ 49d8bc3)",
    },
  })),
  {
    preset: "lutbgrid-fivek",
    label: "LUTwithBGrid (ECCV 2024)",
    published: {
      psnr: null,
      ssim: null,
      deltaE: null,
      setting: null,
      source: NOT_READ("LUTwithBGrid (ECCV 2024, LNCS 15107, doi 10.1007/978-3-031-72967-6_6)") +
        " (WontaeaeKim/LUTwithBGrid README @ 6bbcfd0)",
    },
  },
  {
    preset: "icelut-fivek",
    label: "ICELUT (ECCV 2024)",
    published: {
      psnr: 25.27,
      ssim: null,
      deltaE: null,
      setting: "FiveK expert C, 480p sRGB, 3DLUT split; the paper's model has 20 basis LUTs, the released " +
        "tables 10",
      source:
        "ICELUT (ECCV 2024, arXiv 2403.19238): 25.27 dB as quoted from the paper in Stephen0808/ICELUT " +
        "issue #6 (2025-10-03) and confirmed there by the author (2025-10-13: 25.27 dB with N = 20 LUTs; the " +
        "released N = 10 tables 'should be more than 25.10 dB'; the issue's reporter measured 24.88 dB with " +
        "them); table number not read (paper not readable here), SSIM/ΔE not read",
    },
  },
];

/** One method's measured row. */
export type MethodRecord = {
  preset: string;
  label: string;
  params: number;
  /** bytes of the released weight files as shipped (.pth / .npy) */
  storageBytes: number;
  scores: Scores;
  /** the exported .cube against the model's output (null: no .cube form); `form`: what the file holds */
  cube: { form: string; maxAbs: number; meanAbs: number } | null;
  enhance4kMs: number | null;
  published: Published;
};

/** Bytes of the files (or every file of the folders) at `paths`. */
function storageBytes(paths: string[]): number {
  let bytes = 0;
  for (const p of paths) {
    const st = Deno.statSync(p);
    if (st.isFile) bytes += st.size;
    else for (const e of Deno.readDirSync(p)) if (e.isFile) bytes += Deno.statSync(join(p, e.name)).size;
  }
  return bytes;
}

/** A smooth 3840x2160 RGB frame (planar). */
function frame4k(): Image {
  const w = 3840, h = 2160, data = new Float32Array(3 * w * h);
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.45 * Math.sin(i * 0.0007 + (i % w) * 0.003);
  return { data, channels: 3, height: h, width: w };
}

const UNIT = { domainMin: [0, 0, 0] as Vec3, domainMax: [1, 1, 1] as Vec3 };

/** Measures one preset (see module doc); `time` false skips the 4K timing. */
export async function measureMethod(
  method: (typeof METHODS)[number],
  pairs: Awaited<ReturnType<typeof expertPairs>>,
  time = true,
): Promise<MethodRecord> {
  const config = await loadPhotoConfig(join(repoRoot, "experiments", method.preset));
  const net = await loadPretrained(config);
  const noCube = familyOf(config).unsupported?.cube !== undefined;
  try {
    const scores: Scores[] = [];
    let maxAbs = 0, sumAbs = 0, count = 0;
    for (const p of pairs) {
      const r = await net.enhance(p.input);
      scores.push(scorePair(r.out, p.target));
      if (noCube) continue;
      // the .cube text as export writes it (SepLUT: 1D shaper + 3D), parsed and applied as `apply --cube`
      const file = parseCubeFile(
        formatCubeFile(r.lutFile ?? { lut3d: { size: net.cubeSize, lut: r.lut } }),
        method.preset,
      );
      const back = applyLutStages(p.input, {
        lut1d: file.lut1d && { ...UNIT, ...file.lut1d },
        lut3d: file.lut3d && { ...UNIT, ...file.lut3d },
      }, trainedInterpolation(config));
      for (let i = 0; i < back.data.length; i++) {
        const d = Math.abs(Math.min(1, Math.max(0, back.data[i])) - Math.min(1, Math.max(0, r.out.data[i])));
        maxAbs = Math.max(maxAbs, d), sumAbs += d, count++;
      }
    }
    const lut1d = config.model.family === "seplut";
    const cube = noCube ? null : {
      form: lut1d ? "1D shaper + 3D (exact)" : `${net.cubeSize}³ 3D LUT`,
      maxAbs,
      meanAbs: sumAbs / count,
    };
    let enhance4kMs: number | null = null;
    if (time) {
      const big = frame4k();
      enhance4kMs = await medianMs(() => net.enhance(big), 3);
    }
    return {
      preset: method.preset,
      label: method.label,
      params: net.paramCount(),
      storageBytes: storageBytes((config.pretrained ?? []).map(resolveShared)),
      scores: meanScores(scores),
      cube,
      enhance4kMs,
      published: method.published,
    };
  } finally {
    net.dispose();
  }
}

/** The whole comparison: every method of METHODS, the input's own scores and the machine's load. */
export type PhotoComparison = {
  measured: string;
  pairs: string;
  input: Scores;
  loadAverage: { before: number[]; after: number[] } | null;
  machine: string;
  methods: MethodRecord[];
};

const fmt = (v: number | null, d: number) => v === null ? "" : v.toFixed(d);
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
const sci = (v: number) => v < 1e-4 ? v.toExponential(0) : v.toFixed(4);

/** The comparison as a Markdown table (one row per method, published numbers beside the measured ones). */
export function comparisonMarkdown(c: PhotoComparison): string {
  const head = [
    "method",
    "params",
    "storage",
    "PSNR",
    "SSIM",
    "ΔE76",
    ".cube form: max / mean abs. error",
    "4K enhance",
    "paper FiveK PSNR / SSIM / ΔE",
  ];
  const rows = c.methods.map((m) => {
    const p = m.published;
    const paper = p.psnr === null
      ? "not read [n]"
      : `${[p.psnr, p.ssim, p.deltaE].map((v) => v === null ? "–" : String(v)).join(" / ")} [n]`;
    return [
      m.label,
      m.params.toLocaleString("en-US"),
      mb(m.storageBytes),
      fmt(m.scores.psnr, 2),
      fmt(m.scores.ssim, 4),
      fmt(m.scores.deltaE, 2),
      m.cube ? `${m.cube.form}: ${sci(m.cube.maxAbs)} / ${sci(m.cube.meanAbs)}` : "none (grids are spatial)",
      m.enhance4kMs === null ? "" : `${(m.enhance4kMs / 1000).toFixed(2)} s`,
      paper,
    ];
  });
  const input = [
    "input (identity)",
    "",
    "",
    fmt(c.input.psnr, 2),
    fmt(c.input.ssim, 4),
    fmt(c.input.deltaE, 2),
  ]
    .concat(["", "", ""]);
  const line = (r: string[]) => `| ${r.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), line(input), ...rows.map(line)].join("\n");
}

/** Measures every method of METHODS (with the 4K timing unless `time` is false). */
export async function measureAll(time = true, log = (_: string) => {}): Promise<PhotoComparison> {
  const pairs = await expertPairs();
  const before = time ? Deno.loadavg() : null;
  const methods: MethodRecord[] = [];
  for (const m of METHODS) {
    methods.push(await measureMethod(m, pairs, time));
    log(`${m.preset}: PSNR ${methods.at(-1)!.scores.psnr.toFixed(2)}`);
  }
  return {
    measured: new Date().toISOString().slice(0, 10),
    pairs:
      "shared:FiveK/dpe_expertC_pairs (12 pairs, 512 px long side, DPE split; not the papers' 480p test split)",
    input: meanScores(pairs.map((p) => scorePair(p.input, p.target))),
    loadAverage: before && { before, after: Deno.loadavg() },
    machine:
      `${navigator.hardwareConcurrency}-core host CPU shared with other jobs (wasm tfjs + native C kernels)`,
    methods,
  };
}

/** Where the comparison is kept (read by notebook 07). */
export const COMPARISON_JSON = join(repoRoot, "notebooks", "data", "photo_compare.json");

if (import.meta.main) {
  await initTf();
  let c: PhotoComparison;
  if (Deno.args.includes("--published")) {
    // only the published numbers change (a source was read): measurements kept as they are
    c = JSON.parse(await Deno.readTextFile(COMPARISON_JSON));
    for (const m of c.methods) m.published = METHODS.find((x) => x.preset === m.preset)!.published;
  } else c = await measureAll(!Deno.args.includes("--no-time"), console.log);
  await writeJsonAtomic(COMPARISON_JSON, c);
  console.log(comparisonMarkdown(c));
}
