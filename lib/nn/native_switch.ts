/**
 * The switch of the photo trunks' native forward passes (conv forward: kernels/conv2d.c; bias + LeakyReLU +
 * InstanceNorm: kernels/leaky_norm.c): on by default on the CPU backends, `LUTLAB_PHOTO_NATIVE=0` runs the
 * tfjs conv2d and the TypeScript loops instead (the reference the kernels are tested against). The conv
 * gradients are native either way.
 */
import { onWebgpu } from "../core/backend.ts";

/** Whether the trunk's forward passes run natively: a CPU backend and LUTLAB_PHOTO_NATIVE≠0. */
export function photoNative(): boolean {
  const env = Deno.env.get("LUTLAB_PHOTO_NATIVE") ?? "1";
  if (env !== "0" && env !== "1") throw new Error(`LUTLAB_PHOTO_NATIVE must be 0 or 1, got "${env}"`);
  return env === "1" && !onWebgpu();
}
