#!/usr/bin/env bash
# Packs what the GPU benchmark needs on a machine without network (a lent GPU machine): production
# node_modules pruned to the files Node loads (each @tensorflow package's Node entry and its .wasm,
# Dawn's linux-x64 binary) and the Vulkan loader, into .device/pack.tgz (about 14 MB, git-ignored).
# Carry it with dist/ (built here by `npm run build`); on the GPU machine run bench/gpu/device-run.sh.
#
#   bash bench/gpu/device-pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp package.json package-lock.json "$work/"
(cd "$work" && ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --omit=dev --no-audit --no-fund --ignore-scripts >/dev/null)
modules="$work/node_modules"
for package in "$modules"/@tensorflow/*; do
  main=$(node -e "console.log(require('$package/package.json').main)")
  find "$package" -type f ! -path "$package/package.json" ! -path "$package/$main" ! -name '*.wasm' -delete
done
find "$modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
find "$modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.md' \) -delete

mkdir -p "$work/pack/lib"
mv "$modules" "$work/pack/node_modules"
# The Vulkan loader (Debian libvulkan1); the GPU's own driver (its ICD) must be on the machine.
loader=/usr/lib/x86_64-linux-gnu/libvulkan.so.1
if [ ! -e "$loader" ]; then
  echo "device-pack: $loader is missing: apt-get install -y libvulkan1" >&2
  exit 1
fi
cp -L "$loader" "$work/pack/lib/libvulkan.so.1"

mkdir -p "$root/.device"
tar czf "$root/.device/pack.tgz" -C "$work/pack" .
# The device copy has no .git: its results name this commit (bench/repo.ts provenance).
git rev-parse HEAD > "$root/.device/commit"
if [ -z "$(git status --porcelain -- . ':(exclude)bench/results')" ]; then echo false; else echo true; fi > "$root/.device/dirty"
echo "wrote .device/pack.tgz ($(du -h "$root/.device/pack.tgz" | cut -f1)); carry .device and dist"
