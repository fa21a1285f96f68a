/**
 * Import of the released AdaInt (ImCharlesY/AdaInt pretrained/AiLUT-FiveK-sRGB.pth) and SepLUT
 * (ImCharlesY/SepLUT pretrained/SepLUT-FiveK-sRGB-M*#3D*#1D*.pth) checkpoints -- mmediting state dicts
 * under `state_dict.` -- with the strict rules of import.ts (every tensor used once, every parameter filled).
 * Name maps (after `state_dict.`):
 *   backbone.{i}.0 -> backbone.conv{i} (OIHW -> HWIO); backbone.{i}.2 -> backbone.norm{i} (i < 4);
 *   lut_generator. (AdaInt) / lut3d_generator. (SepLUT): weights_generator [N,F] -> generator.weights [F,N];
 *     basis_luts_bank.weight [3D³,N] -> generator.luts [N,3,D,D,D] (transposed; each column a LUT in
 *     layout lut[c][b][g][r], the same as ours);
 *   adaint.intervals_generator [3(D-1),F] -> adaint [F,3(D-1)];
 *   lut1d_generator.lut1d_generator [3S_o,F] -> lut1d [F,3S_o].
 * The architecture is read off the shapes.
 */
import type { Tensor } from "../../formats/pth.ts";
import { tensorToFloat32 } from "../../formats/pth.ts";
import { AdaIntModel } from "./adaint.ts";
import { SepLutModel } from "./seplut.ts";
import { load, permute, type Rule } from "./import.ts";
import type { Params } from "../../nn/params.ts";

const PREFIX = "state_dict.";
const CONV = [0, 1, 2, 3, 4], NORM = [0, 1, 2, 3];

/** The trunk rules: `backbone.{i}.0` convs and `backbone.{i}.2` norms of the mmediting Sequential. */
function trunkRules(): Rule[] {
  return [
    ...CONV.flatMap((i) => [
      { key: `${PREFIX}backbone.${i}.0.weight`, ours: `backbone.conv${i}.weight`, layout: "oihw" as const },
      { key: `${PREFIX}backbone.${i}.0.bias`, ours: `backbone.conv${i}.bias`, layout: "same" as const },
    ]),
    ...NORM.flatMap((i) => [
      { key: `${PREFIX}backbone.${i}.2.weight`, ours: `backbone.norm${i}.weight`, layout: "same" as const },
      { key: `${PREFIX}backbone.${i}.2.bias`, ours: `backbone.norm${i}.bias`, layout: "same" as const },
    ]),
  ];
}

/** `generator` rules; the bank [3D³,N] is replaced in `state` by its transpose [N,3,D,D,D] (pseudo-key). */
function generatorRules(
  state: Map<string, Tensor>,
  module: string,
  source: string,
): { rules: Rule[]; dim: number; luts: number } {
  const key = `${PREFIX}${module}.basis_luts_bank.weight`, bank = state.get(key);
  if (!bank || bank.shape.length !== 2) throw new Error(`${source}: missing key ${key} [3D³,N]`);
  const [rows, n] = bank.shape, dim = Math.round(Math.cbrt(rows / 3));
  if (3 * dim ** 3 !== rows) throw new Error(`${source}: ${key} has ${rows} rows, not 3·D³`);
  state.delete(key);
  state.set(`${key}:T`, {
    dtype: "float32",
    shape: [n, 3, dim, dim, dim],
    data: permute(tensorToFloat32(bank), [rows, n], [1, 0]),
  });
  const w = `${PREFIX}${module}.weights_generator`;
  return {
    dim,
    luts: n,
    rules: [
      { key: `${w}.weight`, ours: "generator.weights.weight", layout: "linear" },
      { key: `${w}.bias`, ours: "generator.weights.bias", layout: "same" },
      { key: `${key}:T`, ours: "generator.luts", layout: "same" },
    ],
  };
}

/** Fills `net` by `rules`, disposing it on error. */
function loadOrDispose<M extends { params: Params; dispose(): void }>(
  net: M,
  state: Map<string, Tensor>,
  rules: Rule[],
  source: string,
): M {
  try {
    return load(net, state, rules, source);
  } catch (e) {
    net.dispose();
    throw e;
  }
}

/** AdaInt (AiLUT) from the released state dict (N, D and Share-AdaInt read off the shapes). */
export function importAdaInt(original: Map<string, Tensor>, source: string): AdaIntModel {
  const state = new Map(original);
  const iv = state.get(`${PREFIX}adaint.intervals_generator.weight`);
  if (!iv) {
    throw new Error(`${source}: not an AdaInt state dict (no ${PREFIX}adaint.intervals_generator.weight)`);
  }
  const g = generatorRules(state, "lut_generator", source);
  const share = iv.shape[0] === g.dim - 1;
  const net = new AdaIntModel({ luts: g.luts, dim: g.dim, share });
  const a = `${PREFIX}adaint.intervals_generator`;
  return loadOrDispose(net, state, [
    ...trunkRules(),
    ...g.rules,
    { key: `${a}.weight`, ours: "adaint.weight", layout: "linear" },
    { key: `${a}.bias`, ours: "adaint.bias", layout: "same" },
  ], source);
}

/** SepLUT from a released state dict (m, S_t, S_o and N read off the shapes). */
export function importSepLut(original: Map<string, Tensor>, source: string): SepLutModel {
  const state = new Map(original);
  const first = state.get(`${PREFIX}backbone.0.0.weight`);
  const l1 = state.get(`${PREFIX}lut1d_generator.lut1d_generator.weight`);
  if (!first || !l1) {
    throw new Error(
      `${source}: not a SepLUT state dict (needs backbone.0.0.weight and lut1d_generator weights)`,
    );
  }
  const g = generatorRules(state, "lut3d_generator", source);
  const net = new SepLutModel({
    baseFeats: first.shape[0],
    dim3d: g.dim,
    dim1d: l1.shape[0] / 3,
    luts: g.luts,
  });
  const o = `${PREFIX}lut1d_generator.lut1d_generator`;
  return loadOrDispose(net, state, [
    ...trunkRules(),
    ...g.rules,
    { key: `${o}.weight`, ours: "lut1d.weight", layout: "linear" },
    { key: `${o}.bias`, ours: "lut1d.bias", layout: "same" },
  ], source);
}
