/**
 * lib/nn: tfjs ops with custom gradients where the wasm backend lacks or slows them: 2-D convolution (native
 * kernels) and a matrix product.
 * @module
 */
export * from "./conv.ts";
export * from "./leaky_norm.ts";
export * from "./matmul.ts";
export * from "./native_switch.ts";
export * from "./params.ts";
