/**
 * The training steps the peer bench (lib/bench/peers.ts) times, as PyTorch's peer script
 * (torch_steps.py) writes them, on this rank's share of a global batch (lib/experiment/ranks.ts: the
 * same split as `train --ranks N`): 3DLUT, CLUT-Net 20+05+10 and HashLUT 7+13 on 480x720 pairs (embedded
 * photos and their reference retouch, no augmentation); SR-LUT-S x4, one MuLUT unit (mode S, nf 64, x4)
 * and SPF-LUT x4 (S/D/Y, nf 64) on `crop`² LR patches, natively where `train` is (native_net.ts). Gradients are
 * averaged over ranks by Adam.reduce (unless the case is `alone`).
 */
import { join } from "@std/path";
import { tf } from "../../core/backend.ts";
import { repoRoot } from "../../core/shared.ts";
import { Rng } from "../../core/rng.ts";
import { parsePhotoConfig } from "../../enhance/config.ts";
import { Adam } from "../../experiment/adam.ts";
import { joinRanks, shard, shardPlanes, shardRng } from "../../experiment/ranks.ts";
import { loadEmbedded } from "../../data/embedded.ts";
import { retouchImage } from "../../data/retouch.ts";
import { resizeBilinear } from "../../image/resize.ts";
import { buildNet } from "../../enhance/nets.ts";
import { trainStep as photoStep } from "../../enhance/photo_train.ts";
import { loadSrConfig } from "../../sr/config.ts";
import { makePairs, sampleBatch } from "../../sr/core/data.ts";
import { buildSrModel } from "../../sr/models/models.ts";
import { passSize, srParams, trainStep as srStep } from "../../sr/sr_train.ts";
import { nativeSrTraining, nativeTrainStep, releaseNativeSr } from "../../sr/core/native_net.ts";

/**
 * A bench case: its label, global batch, the peer script's model name (none: no PyTorch peer); `alone`: on
 * several ranks, each trains its share without averaging gradients (no MPI_Allreduce: what N processes of
 * that size cost on this machine, the ceiling of the N-rank throughput).
 */
export type PeerCase = { name: string; batch: number; crop?: number; torch?: string; alone?: boolean };

/**
 * The cases for a run on `ranks` ranks. Photo models: one 480x720 image per rank (the papers' batch 1 on
 * each rank), and 3DLUT and CLUT-Net also at 4 per rank: their per-step costs that do not shrink with the
 * rank's batch (Adam over all parameters, the LUT regularisers, CLUT-Net's basis reconstruction, the
 * gradient allreduce) are about 10% of a one-image step. SPF-LUT: one 48² patch per rank.
 */
export function peerCases(ranks: number): PeerCase[] {
  return [
    { name: "3DLUT", batch: ranks, torch: "3dlut" },
    { name: "3DLUT", batch: 4 * ranks, torch: "3dlut" },
    { name: "CLUT-Net 20+05+10", batch: ranks, torch: "clutnet" },
    { name: "CLUT-Net 20+05+10", batch: 4 * ranks, torch: "clutnet" },
    { name: "HashLUT 7+13", batch: ranks },
    { name: "SR-LUT-S x4", batch: 32, crop: 48, torch: "srlut" },
    { name: "MuLUT unit x4", batch: 32, crop: 48, torch: "mulut" },
    { name: "SPF-LUT x4 nf64", batch: ranks, crop: 48, torch: "spf" }, // one 48² patch per rank: the rerun stays in minutes
  ];
}

const PHOTO: Record<string, Record<string, unknown>> = {
  "3DLUT": { model: { family: "3dlut" }, train: {} },
  "CLUT-Net 20+05+10": { model: { family: "clutnet" }, train: {} },
  "HashLUT 7+13": {
    model: { family: "hashlut", levels: 7, log2_table_size: 13 },
    train: { losses: ["l1", "cos"] },
  },
};

const SR: Record<string, { preset: string; model: Record<string, unknown> }> = {
  "SR-LUT-S x4": { preset: "sr-lut-s-x4", model: {} },
  "MuLUT unit x4": { preset: "mulut-sdy-x2", model: { modes: ["s"], stages: 1 } },
  "SPF-LUT x4 nf64": { preset: "spf-lut-x4", model: { width: 64 } },
};

/** Builds case `c` on this rank's share of its batch: one optimiser step and the cleanup. */
export async function buildCase(c: PeerCase): Promise<{ step: () => Promise<unknown>; dispose: () => void }> {
  const photo = PHOTO[c.name];
  if (photo) {
    const config = parsePhotoConfig(
      { model: photo.model, train: { augment: "none", jitter: false, ...(photo.train as object) } },
      "bench.toml",
    );
    const photos = ["nagasaki-boats", "march-pastoral", "black-canyon", "dust-bowl-home"];
    const pairs = await Promise.all(Array.from({ length: c.batch }, async (_, i) => {
      const input = resizeBilinear(await loadEmbedded(photos[i % photos.length]), 480, 720);
      return { name: `p${i}`, input, target: retouchImage(input) };
    }));
    const net = await buildNet(config);
    const adam = new Adam(net.params, { lr: 1e-4, beta1: 0.9, beta2: 0.999 });
    if (!c.alone) joinRanks(adam, net.params);
    const rng = new Rng(1), mine = shard(pairs);
    return {
      step: () => photoStep(net, adam, mine, config, shardRng(rng)),
      dispose: () => (adam.dispose(), net.dispose()),
    };
  }
  const sr = SR[c.name];
  if (!sr) throw new Error(`unknown bench case "${c.name}"`);
  const cfg = await loadSrConfig(join(repoRoot, "experiments", sr.preset, "config.toml"));
  const model = buildSrModel({ ...cfg.model, ...sr.model }, 1);
  const pairs = await makePairs([await loadEmbedded("nagasaki-boats")], cfg.degradation);
  const b = shardPlanes(sampleBatch(pairs, cfg.degradation, c.batch, c.crop ?? 48, 1, 1));
  const params = srParams(model), opt = new Adam(params, { lr: 1e-4, beta1: 0.9, beta2: 0.999 });
  if (!c.alone) joinRanks(opt, params);
  return await srStepper(model, params, opt, b);
}

/**
 * One optimiser step of SR `model` on batch `b` as `deno task train` takes it: the native pass where the model
 * trains natively on this backend (native_net.ts), else the tfjs graph in gradient passes (sr_train.ts); and
 * the cleanup (the optimiser, the model's variables).
 */
export async function srStepper(
  model: ReturnType<typeof buildSrModel>,
  params: ReturnType<typeof srParams>,
  opt: Adam,
  b: ReturnType<typeof sampleBatch>,
): Promise<{ step: () => Promise<unknown>; dispose: () => void }> {
  if (nativeSrTraining(model)) {
    return {
      step: () => nativeTrainStep(model, params, opt, b),
      dispose: () => (opt.dispose(), releaseNativeSr(), tf.dispose(model.variables())),
    };
  }
  const { size } = await passSize(model, model.variables(), b);
  return {
    step: () => srStep(model, params, opt, b, size),
    dispose: () => (opt.dispose(), tf.dispose(model.variables())),
  };
}
