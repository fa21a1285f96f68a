/** Config types of the SR models; this module imports nothing, so every builder can import it. */

/** AutoLUT settings of the model config (defaults: the paper's). */
export type AutoLutConfig = {
  base: "srlut" | "mulut" | "spf";
  /** Sampler window K (paper: 3 on SR-LUT, 5 on MuLUT and SPF-LUT). */
  sampleSize: number;
  /** "random" (the paper's initialisation) or "pattern" (one-hot on S, or on `modes` for MuLUT). */
  samplerInit: "random" | "pattern";
  /** Logit gap of the "pattern" init (≥ 104: exactly one-hot in float32, and then frozen). */
  samplerGap: number;
  /** AdaRL between stages (MuLUT base) or blocks (SPF-LUT base). */
  adarl: boolean;
  /** Hidden activation of the LUT networks (paper: relu on SR-LUT and SPF-LUT, gelu on MuLUT). */
  act: "relu" | "gelu";
};

/** Model section of an SR experiment config. */
export type SrModelConfig = {
  /** The family, by its name in srModels (sr_registry.ts): "srlut", "mulut", "autolut", "spf", ... */
  kind: string;
  /** SR-LUT receptive field: "s" (2×2), "d" (dilated 3×3 corners), "y" (MuLUT's Y), "f" (3 pixels), "v" (2). */
  variant: string;
  upscale: number;
  /** Sampling interval in bits (4 → 17 levels; SR-LUT-V uses 0 → 257). */
  interval: number;
  width: number;
  /** MuLUT patterns per stage. */
  modes: string[];
  stages: number;
  /**
   * AutoLUT settings (kind "autolut"; base srlut uses upscale/interval/width, mulut also modes/stages, spf
   * also modes: one branch per entry).
   */
  autolut?: AutoLutConfig;
};

/** Defaults: SR-LUT-S ×4, 4-bit sampling, 64-wide; MuLUT-SDY-X2. */
export const DEFAULT_MODEL: SrModelConfig = {
  kind: "srlut",
  variant: "s",
  upscale: 4,
  interval: 4,
  width: 64,
  modes: ["s", "d", "y"],
  stages: 2,
};
