#!/usr/bin/env bash
# Trains the DGPose entries of the zoo with apps/trainer, ONE at a time (wasm, 1 thread), then
# evaluates each on the synthetic test split and exports it into weights/<name>/ (evaluate-zoo.ts),
# and finally regenerates the registry. The exact trainer command of each entry is recorded in its
# zoo.json. Run from anywhere; logs go to $RUNS/<name>.log.
#   packages/zoo/scripts/train-zoo.sh [names...]     (default: all five)
# Model config (scripts/zoo-train-config*.json): the small preset with maxChannels 64 (each entry near 2-3 MB),
# z at every decoder scale, part appearance, the adversarial term on (the paper's loss; λ_adv 0.1 for Conditional: at 1 it cost 0.05 SSIM), lr 1e-3; the
# Conditional and Semi entries add PG2's pose-mask L1 (zoo-train-config-conditional.json, -semi.json). supervised-small-64-* are the supervised-only baselines
# (Semi's q(y|x) on the labelled subset alone, same steps); conditional-small-64-noadv is the adversarial
# ablation (the same with adv 0). Two entries can run at once on 2 cores:
#   train-zoo.sh conditional-small-64 & train-zoo.sh semi-small-64-25 semi-small-64-100 ...
# Env: RUNS (default /tmp/dgpose-zoo-runs), COND_STEPS, NOADV_STEPS, SEMI_STEPS, BATCH; RESUME_STEPS=N continues the
# runs in $RUNS to N steps (trainer --resume) and records both commands.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
RUNS="${RUNS:-/tmp/dgpose-zoo-runs}"
COND_STEPS="${COND_STEPS:-8000}"     # conditional-small-64 (λ_adv 0.1)
NOADV_STEPS="${NOADV_STEPS:-4000}"   # its adv-off ablation, as shipped
SEMI_STEPS="${SEMI_STEPS:-1500}"
BATCH="${BATCH:-16}"
mkdir -p "$RUNS"
NAMES="${*:-conditional-small-64 conditional-small-64-noadv semi-small-64-100 semi-small-64-75 semi-small-64-50 semi-small-64-25 supervised-small-64-75 supervised-small-64-50 supervised-small-64-25}"

for name in $NAMES; do
  case "$name" in
    conditional-small-64) args="--model conditional --preset small --steps $COND_STEPS"; cfg=zoo-train-config-conditional.json ;;
    conditional-small-64-noadv) args="--model conditional --preset small --steps $NOADV_STEPS"; cfg=zoo-train-config-conditional-noadv.json ;;
    # at 25 % a batch would hold about 4 labelled rows of 16: 8 come from the labelled stream instead (labelledPerBatch)
    semi-small-64-25) args="--model semi --preset small --supervision 0.25 --steps $SEMI_STEPS"; cfg=zoo-train-config-semi-25.json ;;
    semi-small-64-*) pct="${name##*-}"; args="--model semi --preset small --supervision $(awk "BEGIN{print $pct/100}") --steps $SEMI_STEPS"; cfg=zoo-train-config-semi.json ;;
    supervised-small-64-*) pct="${name##*-}"; args="--model semi --supervised-only --preset small --supervision $(awk "BEGIN{print $pct/100}") --steps $SEMI_STEPS"; cfg=zoo-train-config.json ;;
    *) echo "unknown zoo entry $name" >&2; exit 2 ;;
  esac
  if [ "${RESUME_STEPS:-}" != "" ]; then
    # continue an earlier run of this script to RESUME_STEPS (exact resume); both commands are recorded
    prev="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).command)' "$ROOT/packages/zoo/weights/$name/zoo.json")"
    more="TSX_TSCONFIG_PATH=apps/trainer/tsconfig.src.json node --import tsx apps/trainer/src/cli.ts --out $RUNS/$name --resume --steps $RESUME_STEPS --quiet"
    echo "== $name: $more"
    (cd "$ROOT" && eval "$more") > "$RUNS/$name.log" 2>&1
    (cd "$ROOT/packages/zoo" && TSX_TSCONFIG_PATH=tsconfig.scripts.json node --import tsx scripts/evaluate-zoo.ts --name "$name" --run "$RUNS/$name" --command "$prev && $more") >> "$RUNS/$name.log" 2>&1
    tail -3 "$RUNS/$name.log"
    continue
  fi
  cmd="TSX_TSCONFIG_PATH=apps/trainer/tsconfig.src.json node --import tsx apps/trainer/src/cli.ts --config packages/zoo/scripts/$cfg $args --batch-size $BATCH --seed 0 --backend wasm --threads 1 --checkpoint-every 250 --sample-every 0 --log-every 50 --quiet --force --out $RUNS/$name"
  echo "== $name: $cmd"
  (cd "$ROOT" && eval "$cmd") > "$RUNS/$name.log" 2>&1
  (cd "$ROOT/packages/zoo" && TSX_TSCONFIG_PATH=tsconfig.scripts.json node --import tsx scripts/evaluate-zoo.ts --name "$name" --run "$RUNS/$name" --command "$cmd") >> "$RUNS/$name.log" 2>&1
  tail -3 "$RUNS/$name.log"
done
(cd "$ROOT/packages/zoo" && TSX_TSCONFIG_PATH=tsconfig.scripts.json node --import tsx scripts/build-registry.ts)
