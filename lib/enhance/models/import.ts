/**
 * Import of the original PyTorch checkpoints into our models -- the one place where their names and
 * layouts are converted to ours. Every checkpoint tensor must be used exactly once and every parameter
 * of ours must be filled; a shape mismatch is an error naming the key and both shapes.
 *
 * Layout conversions:
 *   - conv weights: PyTorch OIHW [out,in,kh,kw] -> our HWIO [kh,kw,in,out] (transpose 2,3,1,0);
 *     1x1 convs of the CLUT-Net classifier [out,in,1,1] -> our [in,out] matrices.
 *   - 3D LUTs: both codes store LUT[c][b][g][r] (Generator3DLUT_identity reads IdentityLUT33.txt, red
 *     fastest, into buffer[c][i=b][j=g][k=r]; the CUDA kernel indexes r + g*D + b*D^2), the same as ours:
 *     copied as is.
 *   - CLUT-Net compressed bank: s_Layers [D,S], w_Layers [W,D^2], LUTs [S*N*3,W] are our clut.s / clut.w /
 *     clut.luts unchanged; `cube_to_lut` is done in reconstructLuts (clut.ts).
 * Name maps:
 *   Image-Adaptive 3DLUT classifier.pth (nn.Sequential with Upsample at index 0):
 *     model.{1,4,7,10,13} -> backbone.conv{0..4}; model.{3,6,9,12} -> backbone.norm{0..3}; model.16 -> head;
 *   its classifier_unpaired.pth (`Classifier_unpaired`: InstanceNorm after the first block only):
 *     model.{1,4,6,8,10} -> backbone.conv{0..4}; model.3 -> backbone.norm0; model.12 -> head ("Unpaired" trunk);
 *   LUTs.pth: {"0","1","2"}.LUT [3,D,D,D] -> luts[n].
 *   CLUT-Net model*.pth: backbone.model.{0,3,6,9,12} -> backbone.conv{0..4};
 *     backbone.model.{2,5,8,11} -> backbone.norm{0..3}; classifier.0 / classifier.3 -> classifier.fc0 / fc1;
 *     CLUTs.s_Layers / w_Layers / LUTs -> clut.s / clut.w / clut.luts.
 *   HashLUT model*.pth (section at the end): hashluts.params (tcnn's flat vector: MLP w1, w2, then the
 *     hash tables) -> hash.w1 / hash.w2 / hash.table; expert.0.model.* -> backbone.*; expert.2 / expert.5
 *     (Backbone) or expert.3 (SmallBackbone) Linear [out,in] -> classifier.fc0 / fc1 [in,out].
 */
import { tf } from "../../core/backend.ts";
import { readPth, type Tensor, tensorToFloat32 } from "../../formats/pth.ts";
import { clutNetSpec, LUT3D_PAPER, LutNet } from "./lut3dnet.ts";
import type { Params } from "../../nn/params.ts";
import { HashLut, HASHLUT_FEATURES, HASHLUT_HIDDEN, type HashLutConfig } from "./hashlut.ts";
import { hashGridLevels } from "../../lut/hashgrid_ref.ts";

/** One conversion: checkpoint key -> our parameter, with a layout change. */
export type Rule = {
  key: string;
  ours: string;
  layout: "same" | "oihw" | "fc" | "linear" | "lut";
  index?: number;
};

const CONV_3DLUT = [1, 4, 7, 10, 13], NORM_3DLUT = [3, 6, 9, 12];
const CONV_3DLUT_UNPAIRED = [1, 4, 6, 8, 10], NORM_3DLUT_UNPAIRED = [3];
const CONV_CLUT = [0, 3, 6, 9, 12], NORM_CLUT = [2, 5, 8, 11];

function backboneRules(prefix: string, conv: number[], norm: number[]): Rule[] {
  return [
    ...conv.flatMap((i, n) => [
      { key: `${prefix}${i}.weight`, ours: `backbone.conv${n}.weight`, layout: "oihw" as const },
      { key: `${prefix}${i}.bias`, ours: `backbone.conv${n}.bias`, layout: "same" as const },
    ]),
    ...norm.flatMap((i, n) => [
      { key: `${prefix}${i}.weight`, ours: `backbone.norm${n}.weight`, layout: "same" as const },
      { key: `${prefix}${i}.bias`, ours: `backbone.norm${n}.bias`, layout: "same" as const },
    ]),
  ];
}

/** `src` (row-major, `shape`) with its axes reordered by `perm` as tf.transpose does, on the host. */
export function permute(src: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(src.length), idx = outShape.map(() => 0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let d = 0; d < perm.length; d++) s += idx[d] * stride[perm[d]];
    out[o] = src[s];
    for (let d = outShape.length - 1; d >= 0 && ++idx[d] === outShape[d]; d--) idx[d] = 0;
  }
  return out;
}

/** Data of `t` converted from the checkpoint layout to ours, with the shape it must have in the checkpoint. */
function convert(t: Tensor, rule: Rule, target: number[]): { data: Float32Array; want: number[] } {
  const src = tensorToFloat32(t);
  if (rule.layout === "same") return { data: src, want: target };
  if (rule.layout === "lut") return { data: src, want: target.slice(1) };
  if (rule.layout === "fc" || rule.layout === "linear") {
    const [ci, co] = target;
    return {
      data: permute(src, [co, ci], [1, 0]),
      want: rule.layout === "fc" ? [co, ci, 1, 1] : [co, ci],
    };
  }
  const [kh, kw, ci, co] = target;
  const want = [co, ci, kh, kw];
  if (src.length !== co * ci * kh * kw) return { data: src, want };
  return {
    data: permute(src, want, [2, 3, 1, 0]),
    want,
  };
}

/** Fills `net` from `state` by `rules`; every checkpoint key used, every parameter set, shapes checked. */
export function load<M extends { params: Params }>(
  net: M,
  state: Map<string, Tensor>,
  rules: Rule[],
  source: string,
): M {
  const filled = new Map<string, Float32Array>();
  const used = new Set<string>();
  for (const rule of rules) {
    const t = state.get(rule.key);
    const v = net.params.get(rule.ours);
    if (!v) throw new Error(`import: internal rule targets unknown parameter ${rule.ours}`);
    if (!t) throw new Error(`${source}: missing key ${rule.key} (for ${rule.ours} [${v.shape}])`);
    const { data, want } = convert(t, rule, v.shape);
    if (t.shape.join(",") !== want.join(",")) {
      throw new Error(
        `${source}: ${rule.key} has shape [${t.shape}], expected [${want}] (for ${rule.ours} [${v.shape}])`,
      );
    }
    used.add(rule.key);
    if (rule.layout === "lut") {
      const all = filled.get(rule.ours) ?? new Float32Array(v.size);
      all.set(data, rule.index! * data.length);
      filled.set(rule.ours, all);
    } else {
      filled.set(rule.ours, data);
    }
  }
  const leftover = [...state.keys()].filter((k) => !used.has(k));
  if (leftover.length) throw new Error(`${source}: unused checkpoint tensors: ${leftover.join(", ")}`);
  const unset = [...net.params.keys()].filter((k) => !filled.has(k));
  if (unset.length) throw new Error(`${source}: no checkpoint tensor for ${unset.join(", ")}`);
  for (const [name, data] of filled) {
    const v = net.params.get(name)!;
    v.assign(tf.tensor(data, v.shape));
  }
  return net;
}

/**
 * Image-Adaptive 3DLUT from its LUTs.pth ({"n"}.LUT) and classifier.pth state dicts; a classifier with
 * `model.12` as its last conv and no `model.16` is `Classifier_unpaired` (the unpaired models).
 */
export function import3dLut(
  luts: Map<string, Tensor>,
  classifier: Map<string, Tensor>,
  source: string,
): LutNet {
  const lutKeys = [...luts.keys()].filter((k) => /^\d+\.LUT$/.test(k)).sort((a, b) =>
    parseInt(a) - parseInt(b)
  );
  const first = luts.get(lutKeys[0] ?? "");
  if (!first || first.shape.length !== 4) {
    throw new Error(`${source}: no "<n>.LUT" [3,D,D,D] tensors in the LUT file`);
  }
  const dim = first.shape[1];
  const unpaired = classifier.has("model.12.weight") && !classifier.has("model.16.weight");
  const [conv, norm, head] = unpaired
    ? [CONV_3DLUT_UNPAIRED, NORM_3DLUT_UNPAIRED, 12]
    : [CONV_3DLUT, NORM_3DLUT, 16];
  const backbone = unpaired ? "Unpaired" : LUT3D_PAPER.backbone;
  const net = new LutNet({ ...LUT3D_PAPER, backbone, luts: lutKeys.length, dim });
  const state = new Map<string, Tensor>();
  for (const [k, v] of luts) state.set(`luts:${k}`, v);
  for (const [k, v] of classifier) state.set(`classifier:${k}`, v);
  const rules: Rule[] = [
    ...backboneRules("classifier:model.", conv, norm),
    { key: `classifier:model.${head}.weight`, ours: "head.weight", layout: "oihw" },
    { key: `classifier:model.${head}.bias`, ours: "head.bias", layout: "same" },
    ...lutKeys.map((k, index) => ({ key: `luts:${k}`, ours: "luts", layout: "lut" as const, index })),
  ];
  try {
    return load(net, state, rules, source);
  } catch (e) {
    net.dispose();
    throw e;
  }
}

/** CLUT-Net from an original model*.pth state dict (N, S, W, D read off the shapes). */
export function importClutNet(state: Map<string, Tensor>, source: string): LutNet {
  const s = state.get("CLUTs.s_Layers"),
    w = state.get("CLUTs.w_Layers"),
    head = state.get("classifier.3.weight");
  if (!s || !w || !head) {
    throw new Error(
      `${source}: not a CLUT-Net (N+S+W) state dict: needs CLUTs.s_Layers, CLUTs.w_Layers, classifier.3.weight`,
    );
  }
  const spec = { ...clutNetSpec(head.shape[0], s.shape[1], w.shape[0]), dim: s.shape[0] };
  const net = new LutNet(spec);
  const rules: Rule[] = [
    ...backboneRules("backbone.model.", CONV_CLUT, NORM_CLUT),
    { key: "classifier.0.weight", ours: "classifier.fc0.weight", layout: "fc" },
    { key: "classifier.0.bias", ours: "classifier.fc0.bias", layout: "same" },
    { key: "classifier.3.weight", ours: "classifier.fc1.weight", layout: "fc" },
    { key: "classifier.3.bias", ours: "classifier.fc1.bias", layout: "same" },
    { key: "CLUTs.s_Layers", ours: "clut.s", layout: "same" },
    { key: "CLUTs.w_Layers", ours: "clut.w", layout: "same" },
    { key: "CLUTs.LUTs", ours: "clut.luts", layout: "same" },
  ];
  try {
    return load(net, state, rules, source);
  } catch (e) {
    net.dispose();
    throw e;
  }
}

/**
 * Loads pretrained weights from the original files: [LUTs.pth, classifier.pth] (3DLUT, either order) or
 * one CLUT-Net model*.pth.
 */
export async function importPretrained(paths: string[]): Promise<LutNet> {
  const states = await Promise.all(paths.map(async (p) => ({ path: p, state: await readPth(p) })));
  const lutFile = states.find((s) => s.state.has("0.LUT"));
  const clsFile = states.find((s) => s.state.has("model.1.weight"));
  if (states.length === 2 && lutFile && clsFile) {
    return import3dLut(lutFile.state, clsFile.state, `${lutFile.path} + ${clsFile.path}`);
  }
  if (states.length === 1 && states[0].state.has("CLUTs.LUTs")) {
    return importClutNet(states[0].state, states[0].path);
  }
  throw new Error(
    `cannot tell the model of ${
      paths.join(", ")
    }: expected [LUTs.pth, classifier.pth] of Image-Adaptive 3DLUT ` +
      `or one CLUT-Net model*.pth (keys found: ${
        states.map((s) => [...s.state.keys()].slice(0, 4).join(" ")).join(" | ")
      })`,
  );
}

// ---- HashLUT (Xian-Bei/CLUT FiveK/HashLUT_*.pth) ----

/** Infers the HashLUT config of a state dict (resolutions 9..64 as in every published model). */
export function hashLutConfigOf(state: Map<string, Tensor>, source: string): HashLutConfig {
  const big = state.get("expert.5.weight"), small = state.get("expert.3.weight");
  const head = big ?? small;
  const params = state.get("hashluts.params");
  if (!head || !params) {
    throw new Error(
      `${source}: not a HashLUT state dict (needs hashluts.params and expert.5/expert.3 weights)`,
    );
  }
  const levels = head.shape[0];
  const backbone = big ? "Backbone" : "SmallBackbone";
  // tcnn pads the MLP input (L*F) and output (3L) widths to multiples of 8
  const mlp = HASHLUT_HIDDEN *
    (Math.ceil((levels * HASHLUT_FEATURES) / 8) * 8 + Math.ceil((3 * levels) / 8) * 8);
  for (let t = 4; t <= 24; ++t) {
    const cfg: HashLutConfig = { levels, log2TableSize: t, baseResolution: 9, maxResolution: 64, backbone };
    if (
      hashGridLevels({ ...cfg, featuresPerLevel: HASHLUT_FEATURES }).tableLength + mlp === params.data.length
    ) {
      return cfg;
    }
  }
  throw new Error(
    `${source}: hashluts.params has ${params.data.length} values, matching no ${levels}-level hash grid`,
  );
}

/** HashLUT from an original model*.pth state dict (levels, table size and expert read off the shapes). */
export function importHashLut(state: Map<string, Tensor>, source: string): HashLut {
  const config = hashLutConfigOf(state, source);
  const net = new HashLut(config);
  // split tcnn's flat vector (network first: w1, w2; then the tables) into one pseudo-key per parameter
  const split = new Map(state);
  const flat = state.get("hashluts.params")!;
  split.delete("hashluts.params");
  let at = 0;
  for (const name of ["w1", "w2", "table"]) {
    const v = net.params.get(`hash.${name}`)!;
    split.set(`hashluts.params:${name}`, {
      ...flat,
      shape: v.shape,
      data: flat.data.subarray(at, at + v.size),
    });
    at += v.size;
  }
  const linears = config.backbone === "Backbone" ? [["2", "fc0"], ["5", "fc1"]] : [["3", "fc1"]];
  const rules: Rule[] = [
    ...["w1", "w2", "table"].map((n) => ({
      key: `hashluts.params:${n}`,
      ours: `hash.${n}`,
      layout: "same" as const,
    })),
    ...backboneRules("expert.0.model.", CONV_CLUT, NORM_CLUT),
    ...linears.flatMap(([i, fc]) => [
      { key: `expert.${i}.weight`, ours: `classifier.${fc}.weight`, layout: "linear" as const },
      { key: `expert.${i}.bias`, ours: `classifier.${fc}.bias`, layout: "same" as const },
    ]),
  ];
  try {
    return load(net, split, rules, source);
  } catch (e) {
    net.dispose();
    throw e;
  }
}
