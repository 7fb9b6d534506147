/*
 * Writes the benchmark's figures for each zoo entry into weights/<name>/zoo.json (`benchmark`), with the
 * targets of the issue "DGPose that keeps the person" and whether each is met, so an entry carries its own
 * honest scorecard. Run the benchmark on the zoo first (its default run), then:
 *
 *   pnpm --filter @dgpose/zoo exec tsx scripts/record-bench.ts --results ../../out/bench/results.json
 *   pnpm --filter @dgpose/zoo exec tsx scripts/build-registry.ts
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@dgpose/core/node';

interface MeanStd {
  mean: number;
  n: number;
}
interface SummaryModel {
  label: string;
  kind: string;
  supervision?: number;
  supervisedOnly?: boolean;
  transfer?: Record<string, MeanStd> | null;
  appearance?: {
    model: { all: MeanStd };
    constant: { all: MeanStd };
    zero: { all: MeanStd };
    source?: { all: MeanStd };
    ratio: number | null;
  } | null;
  latent?: {
    active: number;
    dims: number;
    swap: { followsA: number; comparisons: number } | null;
    generation?: { samplesSpread: number; peopleSpread: number; ratio: number } | null;
  } | null;
  transferCeilings?: {
    estimator: string;
    fraction: number | null;
    transferPckh: number | null;
    ceilingPckh: number | null;
  }[];
  pckEstimate?: { pckh: number } | null;
  pckMeanPose?: { pckh: number } | null;
}

const r4 = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1e4) / 1e4;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const file = arg('results');
  if (!file) throw new Error('--results path/to/results.json is required');
  const results = JSON.parse(await fsp.readFile(file, 'utf8'));
  const sources: { label: string; source: { type: string; name?: string } }[] = results.models;
  const summaries: SummaryModel[] = results.summary.models;
  const bySup = (s: number | undefined, only: boolean): SummaryModel | undefined =>
    summaries.find((m) => m.kind === 'semi' && m.supervision === s && !!m.supervisedOnly === only);
  for (const m of summaries) {
    const src = sources.find((x) => x.label === m.label)?.source;
    if (!src || src.type !== 'zoo' || !src.name) continue;
    const zooJson = path.join(__dirname, '..', 'weights', src.name, 'zoo.json');
    const info = JSON.parse(await fsp.readFile(zooJson, 'utf8'));
    const t = m.transfer ?? null;
    const a = m.appearance ?? null;
    const figures: Record<string, unknown> = {};
    const targets: Record<string, { value: number | null; target: string; met: boolean | null }> = {};
    if (t && !m.supervisedOnly) {
      Object.assign(figures, {
        transferSsimPg2: r4(t.ssim.mean),
        transferPsnr: r4(t.psnr.mean),
        backgroundOnlySsimPg2: r4(t.bgSsim.mean),
        backgroundOnlyPsnr: r4(t.bgPsnr.mean),
        zeroDecodeSsimPg2: r4(t.zeroSsim.mean),
        copySourceSsimPg2: r4(t.copySsim.mean),
        sharpness: r4(t.sharpness?.mean),
      });
      // the adversarial ablation: the same entry trained with adv 0 is named <name>-noadv
      const off = summaries.find((x) => x.label === `${src.name}-noadv`)?.transfer;
      if (off) {
        targets.ganSharperThanNoAdv = {
          value: r4(t.sharpness.mean - off.sharpness.mean),
          target: 'sharpness above the adv-off model',
          met: t.sharpness.mean > off.sharpness.mean,
        };
        targets.ganSsimWithinNoAdv = {
          value: r4(t.ssim.mean - off.ssim.mean),
          target: '>= -0.02 SSIM of the adv-off model',
          met: t.ssim.mean - off.ssim.mean >= -0.02,
        };
      }
      targets.ssimOverBackground = {
        value: r4(t.ssim.mean - t.bgSsim.mean),
        target: '>= +0.10',
        met: t.ssim.mean - t.bgSsim.mean >= 0.1,
      };
      targets.psnrOverBackground = {
        value: r4(t.psnr.mean - t.bgPsnr.mean),
        target: '>= +3 dB',
        met: t.psnr.mean - t.bgPsnr.mean >= 3,
      };
    }
    if (a) {
      Object.assign(figures, {
        garmentColourError: r4(a.model.all.mean),
        constantColourError: r4(a.constant.all.mean),
        zeroDecodeColourError: r4(a.zero.all.mean),
        ...(a.source ? { sourceColourError: r4(a.source.all.mean) } : {}),
      });
      targets.garmentColourRatio = {
        value: r4(a.ratio),
        target: '<= 1/3 of the constant colour',
        met: a.ratio === null ? null : a.ratio <= 1 / 3,
      };
    }
    if (m.latent) {
      Object.assign(figures, {
        activeUnits: m.latent.active,
        latentDim: m.latent.dims,
        swapFollowsA: r4(m.latent.swap?.followsA ?? null),
      });
      const g = m.latent.generation;
      if (g) {
        Object.assign(figures, { priorSampleSpread: r4(g.samplesSpread), peopleSpread: r4(g.peopleSpread) });
        targets.generationSpread = {
          value: r4(g.ratio),
          target: '>= 0.4 of the spread between people',
          met: g.ratio >= 0.4,
        };
      }
    }
    for (const c of m.transferCeilings ?? []) {
      targets[`poseFollowed:${c.estimator}`] = {
        value: r4(c.fraction),
        target: ">= 0.8 of the estimator's ceiling",
        met: c.fraction === null ? null : c.fraction >= 0.8,
      };
    }
    if (m.kind === 'semi' && m.pckEstimate) {
      Object.assign(figures, {
        poseEstimatePckh: r4(m.pckEstimate.pckh),
        constantMeanPosePckh: r4(m.pckMeanPose?.pckh ?? null),
      });
      if (!m.supervisedOnly) {
        const full = bySup(1, false);
        const sup = bySup(m.supervision, true);
        if (m.supervision === 1)
          targets.poseEstimate100 = {
            value: r4(m.pckEstimate.pckh),
            target: '>= 0.75',
            met: m.pckEstimate.pckh >= 0.75,
          };
        if (m.supervision === 0.25 && full?.pckEstimate) {
          targets.poseEstimate25vs100 = {
            value: r4(m.pckEstimate.pckh / full.pckEstimate.pckh),
            target: '>= 0.8 x the 100 % figure',
            met: m.pckEstimate.pckh >= 0.8 * full.pckEstimate.pckh,
          };
        }
        if (sup?.pckEstimate) {
          const gain = m.pckEstimate.pckh - sup.pckEstimate.pckh;
          figures.supervisedOnlyPckh = r4(sup.pckEstimate.pckh);
          targets.gainOverSupervisedOnly = {
            value: r4(gain),
            target: m.supervision === 0.25 ? '>= +0.10' : 'reported',
            met: m.supervision === 0.25 ? gain >= 0.1 : null,
          };
        }
      }
    }
    info.benchmark = {
      measuredOn: results.data?.[0]?.label ?? 'synthetic-64 (built-in)',
      ssim: 'pg2',
      figures,
      targets,
    };
    await writeFileAtomic(zooJson, `${JSON.stringify(info, null, 1)}\n`);
    console.log(
      `${src.name}: ${Object.entries(targets)
        .map(([k, v]) => `${k} ${v.value} (${v.met === null ? '–' : v.met ? 'met' : 'not met'})`)
        .join('; ')}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
