#!/usr/bin/env bash
# The device checks of a session that is lent a GPU, as one script (issue 12): the CUDA parity and timings
# (cuda_check.sh), whether a Vulkan ICD exists for WebGPU, and, where Deno and the project's node_modules
# are present, the WebGPU adapter Deno sees and the training-step bench on it. Prints what it could not run.
#   kernels/test/gpu_session.sh [sm_90]
set -uo pipefail
cd "$(dirname "$0")/../.."
status=0
echo "== CUDA kernels" && { kernels/test/cuda_check.sh "${1:-sm_90}" || status=1; }
echo "== Vulkan ICDs (WebGPU needs one for the GPU)"
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null || echo "no Vulkan ICD directory"
if ! command -v deno >/dev/null || [ ! -d node_modules ]; then
  echo "== WebGPU: not run (deno or node_modules missing here)"
  exit $status
fi
echo "== WebGPU adapter seen by Deno"
deno eval 'import { webgpuAdapter } from "./lib/core/backend.ts"; console.log(JSON.stringify(await webgpuAdapter() ?? "none"))' || status=1
echo "== training steps per backend (deno task bench --only train_backends)"
deno task bench --only train_backends || status=1
exit $status
