#!/usr/bin/env bash
# GPU vs CPU parity and timings of every CUDA kernel, on a machine with nvcc and a GPU (no Deno needed):
# builds the CPU and CUDA libraries and the harnesses, runs them, exits non-zero on any parity failure.
#   kernels/test/cuda_check.sh [sm_90]
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-sm_90}"
b="$(mktemp -d)"
gcc -std=c11 -O3 -march=native -fno-trapping-math -fPIC -shared -fopenmp ./*.c -o "$b/cpu.so" -lm
nvcc -O3 -shared -Xcompiler -fPIC -cudart static -gencode "arch=compute_${arch#sm_},code=$arch" ./*.cu \
  -o "$b/cuda.so"
nvcc -O3 -std=c++17 -gencode "arch=compute_${arch#sm_},code=$arch" -I. test/lut3d_cuda_check.cu \
  -o "$b/lut3d_check" -ldl
nvcc -O2 -I. test/simplex_cuda_check.cu -o "$b/simplex_check" -ldl
nvcc -O2 -I. test/hashgrid_cuda_check.cu -o "$b/hashgrid_check" -ldl
nvcc -O2 -I. test/lut1d_cuda_check.cu -o "$b/lut1d_check" -ldl
nvcc -O2 -I. test/ailut_cuda_check.cu -o "$b/ailut_check" -ldl
nvcc -O2 -I. test/bgrid_cuda_check.cu -o "$b/bgrid_check" -ldl
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
echo "== lut3d" && "$b/lut3d_check" "$b/cpu.so"
echo "== simplex / dfc" && "$b/simplex_check" "$b/cpu.so" "$b/cuda.so"
echo "== hashgrid" && "$b/hashgrid_check" "$b/cpu.so" "$b/cuda.so"
echo "== lut1d" && "$b/lut1d_check" "$b/cpu.so" "$b/cuda.so"
echo "== ailut" && "$b/ailut_check" "$b/cpu.so" "$b/cuda.so"
echo "== bgrid" && "$b/bgrid_check" "$b/cpu.so" "$b/cuda.so"
echo "all CUDA checks passed"
