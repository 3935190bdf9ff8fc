#!/usr/bin/env bash
# On a lent GPU machine (no network): unpack .device/pack.tgz (bench/gpu/device-pack.sh), say what
# GPU and Vulkan driver the machine has, check that webgpu finds the GPU, then run the GPU benchmark
# into $OUT/gpu.json (copy it to bench/results/gpu.json and run `npm run docs` back home).
#
#   bash bench/gpu/device-run.sh [--forward-sizes 100000,1000000] [--train-sizes 100000]
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}
if [ ! -e node_modules ]; then
  tar xzf .device/pack.tgz -C .device
  ln -sfn .device/node_modules node_modules
fi
export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

echo "== GPU and driver"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
echo "== Vulkan ICDs (the driver's Vulkan part; without one Dawn finds no GPU)"
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
ldconfig -p | grep -E 'libGLX_nvidia|libnvidia-glvkspirv' | head -3
echo "== locus backends"
node dist/src/cli/main.js backends 2>&1 | tail -6
echo "== benchmark"
LOCUS_GIT_COMMIT=$(cat .device/commit 2>/dev/null || echo unknown) LOCUS_GIT_DIRTY=$(cat .device/dirty 2>/dev/null || echo true) \
  node dist/bench/gpu/run.js --out "$out/gpu.json" "$@" 2>&1 | grep -v '^Warning: maxDynamic'
