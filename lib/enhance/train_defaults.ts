/**
 * The papers' photo training defaults a family declares (photo_registry.ts `PhotoFamily.train`):
 * Image-Adaptive 3DLUT's (MSE + smoothness 1e-4 + monotonicity 10 + weights 1e-4, its augmentation) and
 * CLUT-Net's (L1 + cosine, no LUT regularisers, its augmentation); Adam 1e-4, 1000 steps of batch 1 here.
 */
import type { TrainConfig } from "./photo_registry.ts";

const COMMON = {
  steps: 1000,
  batch: 1,
  lr: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  jitter: true,
  logEvery: 10,
  evalEvery: 500,
  checkpointEvery: 100,
  keepSteps: [],
  keepEvery: 0,
};

/** Image-Adaptive 3DLUT's training (MSE + TV 1e-4 + monotonicity 10 + weights 1e-4). */
export const LUT3D_TRAIN: TrainConfig = {
  ...COMMON,
  losses: ["mse"],
  lambdaSmooth: 1e-4,
  lambdaMono: 10,
  lambdaWeights: 1e-4,
  augment: "3dlut",
};

/** CLUT-Net's training (L1 + cosine). */
export const CLUT_TRAIN: TrainConfig = {
  ...COMMON,
  losses: ["l1", "cos"],
  lambdaSmooth: 0,
  lambdaMono: 0,
  lambdaWeights: 0,
  augment: "clutnet",
};
