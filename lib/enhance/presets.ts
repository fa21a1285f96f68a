/**
 * Built-in photo-enhancement experiment presets (commented TOML, see lib/experiment/config.ts for every key), used
 * by `deno task new experiments/<x> --preset <name>` and stored in experiments/<name>/config.toml.
 * Paper presets train on FiveK 480p in the papers' setting when `data.root` points at such a folder
 * (input_train/target_train/input_test/target_test); by default they use the 12 shared FiveK expert-C
 * pairs (train = test: a smoke setting, not the published split).
 */

const FIVEK = `[data]
# FiveK layout (input_train/, target_train/, input_test/, target_test/) or input/ + target/ (train = test).
# The 12 shared expert-C pairs are a smoke-test set; point this at FiveK 480p for the papers' setting.
root = "shared:FiveK/dpe_expertC_pairs"
`;

const EVAL = `[eval]
save_images = true   # enhanced PNGs in <exp>/eval/<source>/images
save_cubes = true    # per-image fused LUT as .cube in <exp>/eval/<source>/cubes
max_images = 0       # 0 = the whole test split
`;

function experiment(name: string, description: string, seed = 1): string {
  return `[experiment]
name = "${name}"
task = "enhance"
seed = ${seed}
description = "${description}"
`;
}

/** The [train] section: the two papers differ only in losses, regularisers and augmentation. */
function trainSection(steps: number, lut3d: boolean): string {
  const specific = lut3d
    ? `losses = ["mse"]
lambda_smooth = 1e-4   # TV of the LUTs (2x weight on the first/last cell) + mean(weights^2)
lambda_weights = 1e-4
lambda_mono = 10       # monotonicity
augment = "3dlut"      # random crop 0.6..1 of each side, horizontal flip`
    : `losses = ["l1", "cos"] # L1 + (1 - cosine similarity over RGB)
lambda_smooth = 0      # TV / monotonicity are optional in CLUT-Net (--tvmn): 1e-4 / 10
lambda_mono = 0
lambda_weights = 0
augment = "clutnet"    # random crop 0.6..1 resized to 256x256, horizontal and vertical flips`;
  return `[train]
steps = ${steps}          # ${lut3d ? "paper" : "paper code: up to"} 400 epochs x 4500 images, batch 1
batch = 1
lr = 1e-4              # Adam, betas (0.9, 0.999), constant
beta1 = 0.9
beta2 = 0.999
${specific}
jitter = true          # brightness and saturation x U(0.8, 1.2) on the input
log_every = 10
eval_every = 5000
checkpoint_every = 500
keep_steps = []        # checkpoints kept besides the newest (CLUT-Net's --epoch 310): --step N on eval/export/apply
keep_every = 0         # keep every N-th step's checkpoint (0: none); the best by eval PSNR is kept too (--step best)
`;
}

const lut3dTrain = (steps: number) => trainSection(steps, true);
const clutTrain = (steps: number) => trainSection(steps, false);

function lut3dModel(dim: number): string {
  return `[model]
family = "3dlut"       # Image-Adaptive 3DLUT (Zeng et al., TPAMI 2020)
luts = 3               # basis LUTs: LUT0 identity, the others zero at start
dim = ${dim}               # lattice size D
backbone = "Backbone"  # 5 stride-2 convs 16-32-64-128-128 on a 256x256 bilinear thumbnail
interpolation = "trilinear"
`;
}

function clutModel(s: number, w: number, compression: "learned" | "fixed"): string {
  return `[model]
family = "clutnet"     # CLUT-Net (Zhang et al., ACM MM 2022), N+S+W
luts = 20              # N basis LUTs
dim = 33               # D
s = ${s}                  # S: size of each channel's own axis after compression (Ms: D x S)
w = ${w}                 # W: size of the other two axes after compression (Mw: W x D^2)
compression = "${compression}"${
    compression === "fixed" ? "  # BL-C: Ms/Mw fixed orthonormal DCT bases" : "  # Ms/Mw learned"
  }
backbone = "Backbone"
interpolation = "trilinear"
`;
}

/** A HashLUT preset (L levels, 2^13 entries, resolutions 9..64) with its published FiveK weights. */
function hashPreset(n: string, levels: number, backbone: string, weights: string): string {
  return [
    experiment(
      n,
      `HashLUT ${levels}+13${
        backbone === "SmallBackbone" ? " with the small backbone" : ""
      } (lib/enhance/models/hashlut.ts)`,
    ),
    `[model]
family = "hashlut"
levels = ${levels}
log2_table_size = 13
base_resolution = 9
max_resolution = 64
backbone = "${backbone}"
`,
    FIVEK,
    clutTrain(1_665_000).replace("lr = 1e-4              # Adam", "lr = 5e-4              # Adam"),
    EVAL,
    `[pretrained]
weights = ["shared:pretrained/clutnet_hashlut/FiveK/${weights}"]
`,
  ].join("\n");
}

/** CLUT-Net 20+S+W paper preset, with its published FiveK checkpoint as [pretrained]. */
function clutNetPreset(s: number, w: number, checkpoint: string): (name: string) => string {
  const tag = `20+${String(s).padStart(2, "0")}+${w}`;
  return (n) =>
    [
      experiment(n, `CLUT-Net ${tag}, paper setting`),
      clutModel(s, w, "learned"),
      FIVEK,
      clutTrain(1_665_000),
      EVAL,
      `[pretrained]
weights = ["shared:pretrained/clutnet_hashlut/FiveK/CLUTNet_${tag}/${checkpoint}"]
`,
    ].join("\n");
}

/** Preset name -> TOML text (experiment name filled in by `presetToml`). */
const PRESETS: Record<string, (name: string) => string> = {
  "3dlut": (n) =>
    [
      experiment(n, "Image-Adaptive 3DLUT (3 LUTs of 33^3), paper setting"),
      lut3dModel(33),
      FIVEK,
      lut3dTrain(1_800_000),
      EVAL,
      `[pretrained]
# original sRGB FiveK weights (HuiZeng/Image-Adaptive-3DLUT): deno task eval -e <exp> --pretrained
weights = ["shared:pretrained/image_adaptive_3dlut/sRGB/LUTs.pth", "shared:pretrained/image_adaptive_3dlut/sRGB/classifier.pth"]
`,
    ].join("\n"),
  "clutnet-20+05+10": clutNetPreset(5, 10, "model0310.pth"),
  "clutnet-20+05+20": clutNetPreset(5, 20, "model0361.pth"),
  "bl-a": (n) =>
    [
      experiment(n, "BL-A: standard 3DLUT with a small lattice (D = 17; try 9)"),
      lut3dModel(17),
      FIVEK,
      lut3dTrain(1_800_000),
      EVAL,
    ].join("\n"),
  "bl-b": (n) =>
    [
      experiment(n, "BL-B: offline PCA (truncated HOSVD) of a trained 3DLUT bank into CLUT's S/W form"),
      `[model]
family = "pca"
source = "experiments/3dlut"  # a trained (or pretrained) 3dlut experiment: its checkpoint is compressed
s = 5
w = 10
interpolation = "trilinear"
`,
      FIVEK,
      `[train]
steps = 0              # 0: compression only; > 0 fine-tunes CNN + compressed bank afterwards
`,
      EVAL,
    ].join("\n"),
  "bl-c": (n) =>
    [
      experiment(n, "BL-C: CLUT-Net 20+05+10 with fixed (non-learned) DCT compression matrices"),
      clutModel(5, 10, "fixed"),
      FIVEK,
      clutTrain(1_665_000),
      EVAL,
    ].join("\n"),
  "hashlut-7+13": (n) => hashPreset(n, 7, "Backbone", "HashLUT_7+13/model0299.pth"),
  "hashlut-6+13-small": (n) => hashPreset(n, 6, "SmallBackbone", "HashLUT_6+13_SmallBackbone/model0367.pth"),
  quickstart: (n) =>
    [
      experiment(n, "Quickstart: CLUT-Net 20+05+10 learns the reference retouch on the embedded photos"),
      clutModel(5, 10, "learned"),
      `[data]
root = "quickstart"    # embedded @stdlib photos + the reference retouch (lib/data/retouch.ts)
`,
      clutTrain(300)
        .replace(
          "lr = 1e-4              # Adam, betas (0.9, 0.999), constant",
          "lr = 2e-3              # higher than the paper: a few hundred steps on CPU",
        )
        .replace("eval_every = 5000", "eval_every = 100")
        .replace("checkpoint_every = 500", "checkpoint_every = 50")
        .replace(
          "jitter = true          # brightness and saturation x U(0.8, 1.2) on the input",
          "jitter = false         # the retouch is a fixed grade: no input colour jitter",
        ),
      EVAL,
    ].join("\n"),
};

/** Names of the built-in presets. */
export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** TOML text of preset `preset` with experiment name `name`; undefined for an unknown preset. */
export function presetToml(preset: string, name: string): string | undefined {
  return PRESETS[preset]?.(name);
}
