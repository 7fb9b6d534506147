#!/usr/bin/env bash
# Packaging check for @dgpose/metrics: build @dgpose/core and @dgpose/metrics, `pnpm pack` both (pnpm
# rewrites `workspace:^` to real versions), install the two tarballs into an empty project with npm
# (offline: no registry needed, and no tfjs is installed), then run an ESM import, a CJS require and a
# TypeScript type check (ESM .mts and CJS .cts) that compute PSNR and SSIM.
# Usage: packages/metrics/scripts/pack-check.sh   (exit code 0 = all good). Env: KEEP=1 keeps the temp dir.
set -euo pipefail

PKG="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$PKG/../.." && pwd)"
CORE="$ROOT/packages/core"
TSC="$ROOT/node_modules/.bin/tsc"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/dgpose-metrics-pack.XXXXXX")"
if [ "${KEEP:-0}" != "1" ]; then trap 'rm -rf "$TMP"' EXIT; fi
step() { printf '\n== %s\n' "$1"; }

step "build"
(cd "$CORE" && pnpm exec tsup >/dev/null)
(cd "$PKG" && pnpm exec tsup >/dev/null)

step "pack"
(cd "$CORE" && pnpm pack --pack-destination "$TMP" >/dev/null)
(cd "$PKG" && pnpm pack --pack-destination "$TMP" >/dev/null)
ls "$TMP"/*.tgz
META_TGZ="$(ls "$TMP"/dgpose-metrics-*.tgz)"
CORE_TGZ="$(ls "$TMP"/dgpose-core-*.tgz)"
# the published manifest must carry a real version range for core, never workspace:
tar -xzOf "$META_TGZ" package/package.json | node -e '
  const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const v = p.dependencies["@dgpose/core"];
  if (!v || v.startsWith("workspace:")) { console.error("bad @dgpose/core range: " + v); process.exit(1); }
  console.log("@dgpose/core range in the tarball: " + v);'

step "install into an empty project (offline, no tfjs)"
mkdir -p "$TMP/app"
cd "$TMP/app"
echo '{ "name": "pack-check", "version": "0.0.0", "private": true }' > package.json
npm install --offline --no-audit --no-fund --loglevel=error "$CORE_TGZ" "$META_TGZ"
if [ -e node_modules/@tensorflow ]; then echo "tfjs was installed, but it must stay optional" >&2; exit 1; fi

cat > esm.mjs <<'EOF'
import { psnr, ssim } from '@dgpose/metrics';
const img = (f) => ({ data: Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => f(i) & 255), width: 16, height: 16, channels: 3 });
const a = img((i) => i * 7);
const b = img((i) => i * 7 + (i % 3));
const p = psnr(a, b, { dataRange: 255 });
const s = ssim(a, b, { dataRange: 255, convention: 'wang' });
if (!(p > 20 && p < 60 && s > 0.5 && s < 1)) throw new Error(`unexpected ${p} ${s}`);
console.log(`esm ok: psnr ${p.toFixed(3)} dB, ssim ${s.toFixed(5)}`);
EOF
cat > cjs.cjs <<'EOF'
const { psnr, ssim, pck, PCKH_FASHION } = require('@dgpose/metrics');
const a = { data: new Float32Array(12 * 12).map((_, i) => (i % 12) / 12), width: 12, height: 12, channels: 1 };
const b = { ...a, data: a.data.map((v) => v * 0.9) };
const s = ssim(a, b, { dataRange: 1, convention: 'pg2' });
const p = psnr(a, b, { dataRange: 1 });
const gt = { skeleton: 'coco18', keypoints: Array.from({ length: 18 }, (_, j) => ({ x: 10 * j, y: 5 * j })) };
const r = pck([gt], [gt], PCKH_FASHION);
if (!(s > 0.5 && s < 1 && p > 10 && r.pck === 1)) throw new Error(`unexpected ${s} ${p} ${r.pck}`);
console.log(`cjs ok: psnr ${p.toFixed(3)} dB, ssim ${s.toFixed(5)}, pckh ${r.pck}`);
EOF
step "ESM"
node esm.mjs
step "CJS"
node cjs.cjs

step "TypeScript ($("$TSC" --version))"
cat > check.mts <<'EOF'
import { psnr, ssim, type RawImage, type SsimOptions, type BatchStats, ssimBatch } from '@dgpose/metrics';
const a: RawImage = { data: new Uint8Array(8 * 8 * 3), width: 8, height: 8, channels: 3 };
const opts: SsimOptions = { dataRange: 255, convention: 'pg2' };
const s: number = ssim(a, a, opts);
const p: number = psnr(a, a, { dataRange: 255 });
const st: BatchStats = ssimBatch([a], [a], opts);
// @ts-expect-error the data range is required
psnr(a, a, {});
// @ts-expect-error unknown convention
ssim(a, a, { dataRange: 255, convention: 'gauss' });
export { s, p, st };
EOF
cat > check.cts <<'EOF'
import metrics = require('@dgpose/metrics');
const a: metrics.RawImage = { data: new Float64Array(16), width: 4, height: 4, channels: 1 };
const p: number = metrics.psnr(a, a, { dataRange: 1 });
const r: metrics.PckResult = metrics.pck([], [], metrics.PCKH_FASHION);
export = { p, r };
EOF
cat > tsconfig.json <<'EOF'
{ "compilerOptions": { "strict": true, "noEmit": true, "module": "nodenext", "moduleResolution": "nodenext",
  "target": "es2022", "types": [], "skipLibCheck": false }, "files": ["check.mts", "check.cts"] }
EOF
"$TSC" -p tsconfig.json
echo "typescript ok"

printf '\npack-check passed\n'
